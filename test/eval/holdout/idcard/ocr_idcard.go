package ocr

// IDCardFront holds the fields printed on the front of a resident ID card.
type IDCardFront struct {
	Name      string `json:"name"`      // 姓名
	Sex       string `json:"sex"`       // 性别
	Ethnicity string `json:"ethnicity"` // 民族
	Birth     string `json:"birth"`     // 出生
	Address   string `json:"address"`   // 住址
	IDNumber  string `json:"id_number"` // 公民身份号码
}

var frontLabels = []string{"姓名", "性别", "民族", "出生", "住址", "公民身份号码"}
