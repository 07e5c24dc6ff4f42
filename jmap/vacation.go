package jmap

import "encoding/json"

const typeVacation = "VacationResponse"

// vacationResponse is the singleton VacationResponse (RFC 8621 section 8).
type vacationResponse struct {
	ID        string  `json:"id"`
	IsEnabled bool    `json:"isEnabled"`
	FromDate  *string `json:"fromDate"`
	ToDate    *string `json:"toDate"`
	Subject   *string `json:"subject"`
	TextBody  *string `json:"textBody"`
	HTMLBody  *string `json:"htmlBody"`
}

func (c *call) vacation(acct string) (vacationResponse, error) {
	v := vacationResponse{ID: "singleton"}
	_, err := c.h.data.get(c.ctx, acct, typeVacation, "singleton", &v)
	return v, err
}

func (c *call) vacationGet() (any, error) {
	a, acct, err := c.beginGet()
	if err != nil {
		return nil, err
	}
	v, err := c.vacation(acct)
	if err != nil {
		return nil, err
	}
	st, err := c.h.data.state(c.ctx, acct, typeVacation)
	if err != nil {
		return nil, err
	}
	res := &getResult{AccountID: a.AccountID, State: st, List: []any{}, NotFound: []string{}}
	if a.IDs != nil && !(len(*a.IDs) == 1 && (*a.IDs)[0] == "singleton") {
		for _, id := range *a.IDs {
			if id != "singleton" {
				res.NotFound = append(res.NotFound, id)
			}
		}
	}
	o, err := filterProps(v, a.Properties)
	if err != nil {
		return nil, err
	}
	res.List = append(res.List, o)
	return res, nil
}

// vacationSet answers VacationResponse/set: only update of "singleton"
// (RFC 8621 section 8.2).
func (c *call) vacationSet() (any, error) {
	var a setArgs
	if err := c.decode(&a); err != nil {
		return nil, err
	}
	return c.answerSet(&a, setSpec{typ: typeVacation, ops: func(acct string) (setOps, error) {
		return setOps{
			create: func(string, json.RawMessage) (string, map[string]any, error) {
				return "", nil, setErr(SetErrSingleton, "")
			},
			update: func(id string, patch map[string]json.RawMessage) error {
				if id != "singleton" {
					return setErr(SetErrNotFound, "")
				}
				if _, bad := patch["id"]; bad {
					return setErr(SetErrInvalidProps, "id cannot be changed", "id")
				}
				v, err := c.vacation(acct)
				if err != nil {
					return err
				}
				b, _ := json.Marshal(patch)
				if err := json.Unmarshal(b, &v); err != nil {
					return setErr(SetErrInvalidPatch, err.Error())
				}
				v.ID = "singleton"
				return c.h.data.put(c.ctx, acct, typeVacation, id, v)
			},
			destroy: func(string) error { return setErr(SetErrSingleton, "") },
		}, nil
	}})
}
