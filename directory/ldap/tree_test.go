package ldap_test

import (
	"strconv"
	"strings"
	"testing"

	"github.com/bulwarkmail/bulwark/directory"
	"github.com/bulwarkmail/bulwark/directory/directorytest"
	"github.com/go-ldap/ldap/v3"
)

// dnOf places people and groups in their own branches.
func dnOf(p directory.Principal) string {
	if p.Type == directory.Individual {
		return "uid=" + escape(p.Name) + ",ou=people," + baseDN
	}
	return "cn=" + escape(p.Name) + ",ou=groups," + baseDN
}

func escape(v string) string { return ldap.EscapeDN(v) }

// loadTree adds the conformance fixture through the Go client.
func loadTree(t testing.TB, s *slapd) {
	t.Helper()
	c, err := ldap.DialURL(s.url)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := c.Bind(adminDN, adminPW); err != nil {
		t.Fatal(err)
	}
	add := func(dn string, attrs map[string][]string) {
		t.Helper()
		r := ldap.NewAddRequest(dn, nil)
		for k, v := range attrs {
			if len(v) > 0 {
				r.Attribute(k, v)
			}
		}
		if err := c.Add(r); err != nil {
			t.Fatalf("add %s: %v", dn, err)
		}
	}
	add(baseDN, map[string][]string{"objectClass": {"dcObject", "organization"},
		"dc": {"example"}, "o": {"Example"}})
	for _, ou := range []string{"people", "groups", "domains"} {
		add("ou="+ou+","+baseDN, map[string][]string{"objectClass": {"organizationalUnit"},
			"ou": {ou}})
	}
	for _, d := range directorytest.Domains {
		a, _ := directory.NormalizeDomain(d)
		add("ou="+a+",ou=domains,"+baseDN, map[string][]string{
			"objectClass": {"organizationalUnit", "domainRelatedObject"}, "ou": {a},
			"associatedDomain": {a}})
	}
	entries := directorytest.Entries()
	byName := map[string]directory.Principal{}
	for _, e := range entries {
		byName[e.Principal.Name] = e.Principal
	}
	// Groups are added with a placeholder member and filled in after
	// every entry exists, so that the memberof overlay sees each member.
	members := map[string][]string{}
	for _, e := range entries {
		a := attrsOf(e, byName)
		if a["member"] != nil {
			members[dnOf(e.Principal)] = a["member"]
			a["member"] = []string{baseDN}
		}
		add(dnOf(e.Principal), a)
	}
	for dn, m := range members {
		r := ldap.NewModifyRequest(dn, nil)
		r.Replace("member", m)
		if err := c.Modify(r); err != nil {
			t.Fatalf("modify %s: %v", dn, err)
		}
	}
}

// attrsOf maps a fixture entry to attributes: names as member DNs, other
// members (foreign addresses) as bulwarkMember values, secrets in
// userPassword.
func attrsOf(e directorytest.Entry, byName map[string]directory.Principal,
) map[string][]string {
	p := e.Principal
	a := map[string][]string{"bulwarkMail": p.Emails, "bulwarkRole": p.Roles,
		"displayName": nil}
	if p.DisplayName != "" {
		a["displayName"] = []string{p.DisplayName}
	}
	if p.Quota != 0 {
		a["bulwarkQuota"] = []string{strconv.FormatInt(p.Quota, 10)}
	}
	if p.Type == directory.Individual {
		a["objectClass"] = []string{"inetOrgPerson", "bulwarkAccount"}
		a["uid"] = []string{p.Name}
		a["cn"] = []string{p.Name}
		a["sn"] = []string{p.Name}
		a["userPassword"] = nonEmpty(slapdForm(e.Secret), e.AppSecret)
		return a
	}
	a["objectClass"] = []string{"groupOfNames", "bulwarkAccount"}
	if p.Type == directory.List {
		a["objectClass"] = append(a["objectClass"], "bulwarkList")
	}
	a["cn"] = []string{p.Name}
	a["uid"] = []string{p.Name}
	for _, m := range p.Members {
		if mp, ok := byName[m]; ok {
			a["member"] = append(a["member"], dnOf(mp))
		} else {
			a["bulwarkMember"] = append(a["bulwarkMember"], m)
		}
	}
	if len(a["member"]) == 0 { // groupOfNames needs one
		a["member"] = []string{baseDN}
	}
	return a
}

// slapdForm prefixes a crypt(3) or argon2 secret with the scheme slapd
// verifies it under on bind.
func slapdForm(s string) string {
	switch {
	case strings.HasPrefix(s, "$argon2"):
		return "{ARGON2}" + s
	case strings.HasPrefix(s, "$"):
		return "{CRYPT}" + s
	}
	return s
}

func nonEmpty(v ...string) []string {
	var out []string
	for _, s := range v {
		if s != "" {
			out = append(out, s)
		}
	}
	return out
}
