package migrate

import (
	"bufio"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"github.com/bulwarkmail/bulwark/mailstore"
)

// maildirFlags maps the Maildir info flags (the letters after ":2,") to
// keywords: D draft, F flagged, P passed (forwarded), R replied, S seen,
// T trashed.
var maildirFlags = map[byte]string{
	'D': mailstore.KeywordDraft, 'F': mailstore.KeywordFlagged, 'P': "$forwarded",
	'R': mailstore.KeywordAnswered, 'S': mailstore.KeywordSeen, 'T': mailstore.KeywordDeleted,
}

// ParseMaildirName splits a Maildir file name into its unique part and
// the flag letters of its ":2," info (or "!2," as written where ':' is
// not allowed in file names). A name without info has no flags; ok is
// false for a name that is empty or starts with a dot.
func ParseMaildirName(name string) (unique, flags string, ok bool) {
	if name == "" || name[0] == '.' || strings.ContainsAny(name, "/\x00") {
		return "", "", false
	}
	for _, sep := range []string{":2,", "!2,"} {
		if i := strings.LastIndex(name, sep); i > 0 {
			return name[:i], name[i+len(sep):], true
		}
	}
	if i := strings.IndexAny(name, ":!"); i > 0 {
		// Experimental ":1," info or another separator: no flags.
		return name[:i], "", true
	}
	return name, "", true
}

// MaildirKeywords returns the keywords of Maildir flag letters, sorted.
// Lower-case letters name the custom keywords of Dovecot's
// dovecot-keywords file ("a" is keyword 0) through custom; letters with
// no meaning are skipped.
func MaildirKeywords(flags string, custom map[byte]string) []string {
	set := map[string]bool{}
	for i := 0; i < len(flags); i++ {
		c := flags[i]
		if k, ok := maildirFlags[c]; ok {
			set[k] = true
		} else if k, ok := custom[c]; ok {
			if n, err := mailstore.NormalizeKeyword(k); err == nil {
				set[n] = true
			}
		}
	}
	out := make([]string, 0, len(set))
	for k := range set {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// maildirFlagLetters returns the info flags of keywords, in ASCII order
// as the Maildir convention asks.
func maildirFlagLetters(kws []string) string {
	var b []byte
	for c, k := range maildirFlags {
		for _, kw := range kws {
			if kw == k {
				b = append(b, c)
			}
		}
	}
	sort.Slice(b, func(i, j int) bool { return b[i] < b[j] })
	return string(b)
}

// readDovecotKeywords reads a dovecot-keywords file: lines "<n> <name>",
// keyword n being the flag letter 'a'+n.
func readDovecotKeywords(dir string) map[byte]string {
	f, err := os.Open(filepath.Join(dir, "dovecot-keywords"))
	if err != nil {
		return nil
	}
	defer f.Close()
	out := map[byte]string{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		num, name, ok := strings.Cut(sc.Text(), " ")
		n, err := strconv.Atoi(num)
		if ok && err == nil && n >= 0 && n < 26 && name != "" {
			out[byte('a'+n)] = name
		}
	}
	return out
}

// maildirFolderName maps a Maildir++ folder (".Sub.Folder") to a mailbox
// name ("Sub/Folder"); ok is false for other entries.
func maildirFolderName(entry string) (string, bool) {
	if len(entry) < 2 || entry[0] != '.' || entry == ".." {
		return "", false
	}
	parts := strings.Split(entry[1:], ".")
	for _, p := range parts {
		if p == "" {
			return "", false
		}
	}
	name := strings.Join(parts, string(mailstore.Delimiter))
	if strings.EqualFold(name, mailstore.InboxName) {
		return "", false
	}
	return name, true
}
