// Package netsdk wraps the device SDK for Go (fictional cgo-style port used by the custodiet eval).
package netsdk

// EM_NATION_TYPE 民族
type EM_NATION_TYPE int32

const (
	EM_NATION_TYPE_UNKNOWN      EM_NATION_TYPE = iota // 未知
	EM_NATION_TYPE_UYGUR                              // 维族(新疆)
	EM_NATION_TYPE_OTHER                              // 其他
	EM_NATION_TYPE_UNIDENTIFIED                       // 设备未识别
)

// NET_FACE_ATTRIBUTE 人脸属性
type NET_FACE_ATTRIBUTE struct {
	EmSex       EM_SEX_TYPE    // 性别
	NAge        int32          // 年龄
	EmGlasses   EM_HAS_GLASS   // 眼镜
	EmMask      int32          // 口罩
	EmBeard     int32          // 胡子
	EmNation    EM_NATION_TYPE // 民族
	ByReserved  [64]byte
}

// IsUygur reports whether the device tagged the face as 维族.
func (a *NET_FACE_ATTRIBUTE) IsUygur() bool {
	return a.EmNation == EM_NATION_TYPE_UYGUR
}
