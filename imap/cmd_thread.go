package imap

import (
	"sort"
	"strings"
	"time"

	"github.com/bulwarkmail/bulwark/imap/internal/wire"
)

type threadArgs struct {
	algorithm string
	search    searchArgs
}

func parseThread(p *parser) (any, error) {
	var a threadArgs
	d := p.d
	if err := d.SP(); err != nil {
		return nil, err
	}
	alg, err := d.Atom()
	if err != nil {
		return nil, err
	}
	a.algorithm = strings.ToUpper(alg)
	if a.algorithm != "ORDEREDSUBJECT" && a.algorithm != "REFERENCES" {
		return nil, &wire.SyntaxError{Msg: "unknown threading algorithm " + alg}
	}
	if err := d.SP(); err != nil {
		return nil, err
	}
	if a.search.charset, err = d.AString(); err != nil {
		return nil, err
	}
	if err := d.SP(); err != nil {
		return nil, err
	}
	a.search.keys, err = wire.ParseSearchKeys(d)
	return a, err
}

// threadNode is a container of RFC 5256 section 2.2: a message (seq > 0)
// or a placeholder for a referenced message that is absent.
type threadNode struct {
	seq      uint32
	date     time.Time
	subject  string
	isReply  bool
	parent   *threadNode
	children []*threadNode
}

func (s *session) cmdThread(cmd *command) error {
	a := cmd.args.(threadArgs)
	if err := checkCharset(a.search.charset); err != nil {
		return err
	}
	res, err := s.search(a.search.keys)
	if err != nil {
		return err
	}
	var roots []*threadNode
	if a.algorithm == "ORDEREDSUBJECT" {
		roots = s.threadOrderedSubject(res.seqs)
	} else {
		roots = s.threadReferences(res.seqs)
	}
	e := s.untagged().Raw("THREAD")
	if len(roots) > 0 {
		e.SP()
	}
	for _, r := range roots {
		s.writeThread(r, cmd.uid, true)
	}
	e.CRLF()
	return nil
}

// writeThread writes a thread in the nested form of RFC 5256 section 4:
// a chain of single children is a space-separated list, several children
// each get their own parentheses.
func (s *session) writeThread(n *threadNode, uid, top bool) {
	e := s.c.enc
	if top {
		e.Byte('(')
	}
	first := true
	for {
		if n.seq != 0 {
			if !first {
				e.SP()
			}
			num := n.seq
			if uid {
				num = s.sel.msgs[n.seq-1].UID
			}
			e.Number(num)
			first = false
		}
		if len(n.children) != 1 {
			break
		}
		n = n.children[0]
	}
	if len(n.children) > 1 {
		if !first {
			e.SP()
		}
		for _, c := range n.children {
			e.Byte('(')
			s.writeThread(c, uid, false)
			e.Byte(')')
		}
	}
	if top {
		e.Byte(')')
	}
}

// threadInfo loads the data threading needs for each message.
type threadInfo struct {
	node       *threadNode
	messageID  string
	references []string
}

func (s *session) threadInfos(seqs []uint32) []threadInfo {
	out := make([]threadInfo, 0, len(seqs))
	for _, n := range seqs {
		en := s.sel.msgs[n-1]
		node := &threadNode{seq: n, date: en.Received}
		ti := threadInfo{node: node}
		if em, err := s.store.Email(s.ctx, s.selAccount(), en.EmailID); err == nil && em.Parsed != nil {
			m := em.Parsed
			if !m.Date.IsZero() {
				node.date = m.Date
			}
			node.subject = baseSubject(m.Subject)
			node.isReply = isReplySubject(m.Subject)
			ti.messageID = m.MessageID
			ti.references = m.References
			if len(ti.references) == 0 && len(m.InReplyTo) > 0 {
				ti.references = m.InReplyTo[:1]
			}
		}
		out = append(out, ti)
	}
	return out
}

// isReplySubject reports whether the subject had a reply or forward
// prefix removed by base-subject extraction (RFC 5256 section 2.1).
func isReplySubject(subj string) bool {
	s := strings.ToUpper(strings.TrimSpace(subj))
	return strings.HasPrefix(s, "RE") || strings.HasPrefix(s, "FW") ||
		strings.HasPrefix(s, "[") || strings.HasSuffix(s, "(FWD)")
}

func sortByDate(nodes []*threadNode) {
	sort.SliceStable(nodes, func(i, j int) bool {
		a, b := nodeDate(nodes[i]), nodeDate(nodes[j])
		if !a.Equal(b) {
			return a.Before(b)
		}
		return nodeSeq(nodes[i]) < nodeSeq(nodes[j])
	})
}

// nodeDate is a message's date, or for a placeholder its first child's.
func nodeDate(n *threadNode) time.Time {
	if n.seq == 0 && len(n.children) > 0 {
		return nodeDate(n.children[0])
	}
	return n.date
}

func nodeSeq(n *threadNode) uint32 {
	if n.seq == 0 && len(n.children) > 0 {
		return nodeSeq(n.children[0])
	}
	return n.seq
}

// threadOrderedSubject groups by base subject (RFC 5256 section 4,
// ORDEREDSUBJECT): each thread's first message is the parent of the rest.
func (s *session) threadOrderedSubject(seqs []uint32) []*threadNode {
	infos := s.threadInfos(seqs)
	nodes := make([]*threadNode, len(infos))
	for i := range infos {
		nodes[i] = infos[i].node
	}
	sort.SliceStable(nodes, func(i, j int) bool {
		if nodes[i].subject != nodes[j].subject {
			return nodes[i].subject < nodes[j].subject
		}
		if !nodes[i].date.Equal(nodes[j].date) {
			return nodes[i].date.Before(nodes[j].date)
		}
		return nodes[i].seq < nodes[j].seq
	})
	var roots []*threadNode
	for _, n := range nodes {
		if len(roots) > 0 && roots[len(roots)-1].subject == n.subject {
			r := roots[len(roots)-1]
			n.parent = r
			r.children = append(r.children, n)
			continue
		}
		roots = append(roots, n)
	}
	sortByDate(roots)
	return roots
}
