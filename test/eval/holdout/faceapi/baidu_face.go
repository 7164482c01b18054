package faceapi

import (
	"encoding/json"
	"net/url"
)

const detectURL = "https://aip.baidubce.com/rest/2.0/face/v3/detect"

// DetectOptions are the optional parameters of the detect call.
type DetectOptions struct {
	FaceField  string `json:"face_field"`
	MaxFaceNum int    `json:"max_face_num"`
	FaceType   string `json:"face_type"`
}

// DefaultDetectOptions asks for the attributes the gate terminal displays.
var DefaultDetectOptions = DetectOptions{
	FaceField:  "age,gender,race,glasses,emotion,mask",
	MaxFaceNum: 1,
	FaceType:   "LIVE",
}

type typedValue struct {
	Type        string  `json:"type"`
	Probability float64 `json:"probability"`
}

// Face is one entry of face_list.
type Face struct {
	FaceToken string     `json:"face_token"`
	Age       float64    `json:"age"`
	Gender    typedValue `json:"gender"`
	Race      typedValue `json:"race"`
	Glasses   typedValue `json:"glasses"`
}

func detectQuery(token string) string {
	q := url.Values{}
	q.Set("access_token", token)
	return detectURL + "?" + q.Encode()
}

func decodeFaces(body []byte) ([]Face, error) {
	var out struct {
		Result struct {
			FaceList []Face `json:"face_list"`
		} `json:"result"`
	}
	err := json.Unmarshal(body, &out)
	return out.Result.FaceList, err
}
