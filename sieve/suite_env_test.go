package sieve

import (
	"context"
	"os"
	"strconv"
	"strings"
)

// The suite's stand-ins for the host services: mailboxes and metadata,
// external lists, scanner verdicts and environment items, configured by
// test_config_set with Pigeonhole's setting names.

// spamConfig maps the sieve_spamtest_* and sieve_virustest_* settings.
func (s *suite) spamConfig() *SpamTestConfig {
	read := func(p string) StatusConfig {
		sc := StatusConfig{Header: s.config[p+"_status_header"],
			Type: s.config[p+"_status_type"], MaxHeader: s.config[p+"_score_max_header"],
			Text: map[int]string{}}
		sc.MaxValue, _ = strconv.ParseFloat(s.config[p+"_score_max_value"], 64)
		for k, v := range s.config {
			if rest, ok := strings.CutPrefix(k, p+"_text_value/"); ok {
				n, _ := strconv.Atoi(rest)
				sc.Text[n] = v
			}
		}
		return sc
	}
	return &SpamTestConfig{Spam: read("sieve_spamtest"), Virus: read("sieve_virustest")}
}

// environment fills the RFC 5183 items the suite expects.
func (s *suite) environment(env *Env) {
	env.Environment = map[string]string{"name": "Pigeonhole Sieve", "location": "MS",
		"vnd.dovecot.username": "user", "domain": "example.com",
		"host": "mail.example.com"}
	for k, v := range s.config {
		if rest, ok := strings.CutPrefix(k, "sieve_environment/"); ok {
			env.Environment["vnd.dovecot.config."+rest] = v
		}
	}
}

func (s *suite) MailboxExists(ctx context.Context, name string) bool {
	_, ok := s.boxes[name]
	return ok
}

func (s *suite) SpecialUseExists(ctx context.Context, box, use string) bool {
	return false
}

func (s *suite) Metadata(ctx context.Context, box, entry string) (string, bool) {
	if box != "" {
		if _, ok := s.boxes[box]; !ok {
			return "", false
		}
	}
	v, ok := s.meta[box+"\x00"+strings.ToLower(entry)]
	return v, ok
}

// dictLists reads Pigeonhole dict files configured for extlists.
type dictLists struct{ lists map[string]map[string]bool }

func (s *suite) extLists() *dictLists {
	d := &dictLists{lists: map[string]map[string]bool{}}
	for _, name := range strings.Fields(s.config["sieve_extlists_list"]) {
		members := map[string]bool{}
		key := "sieve_extlists_list/" + strings.ToLower(name)
		if b, err := os.ReadFile(s.config[key+"/dict/file/path"]); err == nil {
			lines := strings.Split(string(b), "\n")
			for i := 0; i+1 < len(lines); i += 2 {
				if v, ok := strings.CutPrefix(lines[i], "priv/sieve/extlists/"); ok {
					members[strings.ToLower(v)] = true
				}
			}
		}
		d.lists[listURN(name)] = members
	}
	return d
}

func (d *dictLists) ValidList(ctx context.Context, list string) bool {
	_, ok := d.lists[list]
	return ok
}

func (d *dictLists) ListContains(ctx context.Context, list, value string) (bool, error) {
	return d.lists[list][strings.ToLower(value)], nil
}
