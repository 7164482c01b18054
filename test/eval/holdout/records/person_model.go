package model

import "time"

// KeyPerson is a row of the watch list (fictional sample).
type KeyPerson struct {
	ID          int64     `json:"id" gorm:"primaryKey"`
	Name        string    `json:"name"`           // 姓名
	IDNumber    string    `json:"id_number"`      // 身份证号
	IsUygur     bool      `json:"is_uygur"`       // 是否维族
	XjRelated   bool      `json:"xj_related"`     // 涉疆人员
	FaceLibID   string    `json:"face_lib_id"`    // 布控人脸库
	ControlTier int       `json:"control_tier"`   // 管控级别
	CreatedAt   time.Time `json:"created_at"`
}
