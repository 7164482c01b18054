package accesscontrol

// CitizenIDCardEthnicity mirrors EM_CITIZENIDCARD_ETHNICITY_TYPE of the device SDK.
type CitizenIDCardEthnicity int

const (
	EthnicityUnknown CitizenIDCardEthnicity = iota
	EthnicityHan
	EthnicityMongol
	EthnicityHui
	EthnicityTibetan
	EthnicityUygur
)

// CitizenIDCard is the content read from the ID card chip at the turnstile.
type CitizenIDCard struct {
	Name                 string                 `json:"name"`
	Sex                  int                    `json:"sex"`
	EmCitizenIDEthnicity CitizenIDCardEthnicity `json:"ethnicity"`
	Birth                string                 `json:"birth"`
	Address              string                 `json:"address"`
	Number               string                 `json:"number"`
	Authority            string                 `json:"authority"`
	ValidFrom            string                 `json:"validFrom"`
	ValidTo              string                 `json:"validTo"`
}
