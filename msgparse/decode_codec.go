package msgparse

import (
	"errors"
	"time"
)

// maxDecodeCount bounds any count read from stored bytes, so corrupt input
// cannot ask for huge allocations.
const maxDecodeCount = 1 << 20

var errCorrupt = errors.New("corrupt or truncated data")

type decoder struct {
	s   string
	i   int
	err error
}

func (d *decoder) fail() {
	if d.err == nil {
		d.err = errCorrupt
	}
	d.i = len(d.s)
}

func (d *decoder) uint() uint64 {
	var x uint64
	var shift uint
	for d.i < len(d.s) {
		c := d.s[d.i]
		d.i++
		if c < 0x80 {
			if shift >= 63 && c > 1 {
				d.fail()
				return 0
			}
			return x | uint64(c)<<shift
		}
		x |= uint64(c&0x7f) << shift
		shift += 7
		if shift > 63 {
			break
		}
	}
	d.fail()
	return 0
}

func (d *decoder) int() int64 {
	u := d.uint()
	x := int64(u >> 1)
	if u&1 != 0 {
		x = ^x
	}
	return x
}

func (d *decoder) count() int {
	n := d.uint()
	if n > maxDecodeCount || n > uint64(len(d.s)-d.i)+1 {
		d.fail()
		return 0
	}
	return int(n)
}

func (d *decoder) str() string {
	x := d.uint()
	switch {
	case x == 0:
		return ""
	case x&1 == 1:
		i := x >> 1
		if i >= uint64(len(commonStrings)) {
			d.fail()
			return ""
		}
		return commonStrings[i]
	}
	n := x >> 1
	if n > uint64(len(d.s)-d.i) {
		d.fail()
		return ""
	}
	s := d.s[d.i : d.i+int(n)]
	d.i += int(n)
	return s
}

func (d *decoder) strs() []string {
	n := d.count()
	if n == 0 {
		return nil
	}
	out := make([]string, n)
	for i := range out {
		out[i] = d.str()
	}
	return out
}

func (d *decoder) params() map[string]string {
	n := d.count()
	if n == 0 {
		return nil
	}
	p := make(map[string]string, n)
	for range n {
		k := d.str()
		p[k] = d.str()
	}
	return p
}

func (d *decoder) addrs() []Address {
	n := d.count()
	if n == 0 {
		return nil
	}
	out := make([]Address, n)
	for i := range out {
		if d.i >= len(d.s) {
			d.fail()
			return nil
		}
		kind := d.s[d.i]
		d.i++
		out[i].Kind = AddressKind(kind &^ addrRouted)
		out[i].Name = d.str()
		out[i].Mailbox = d.str()
		out[i].Host = d.str()
		if kind&addrRouted != 0 {
			out[i].Route = d.str()
		}
	}
	return out
}

func (d *decoder) time() time.Time {
	if d.uint() == 0 {
		return time.Time{}
	}
	sec := d.int()
	off := d.int()
	if off < -24*60 || off > 24*60 {
		d.fail()
		return time.Time{}
	}
	return time.Unix(sec, 0).In(time.FixedZone("", int(off)*60))
}

func (d *decoder) message(m *Message, depth int) {
	if depth > DefaultMaxDepth*2+2 {
		d.fail()
		return
	}
	m.Size = int64(d.uint())
	m.HeaderSize = int64(d.uint())
	flags := d.uint()
	d.envelope(&m.Envelope)
	d.derived(m, flags)
	m.Date = d.time()
	m.Preview = d.str()
	m.Truncated = flags&flagTruncated != 0
	if n := d.count(); n > 0 {
		m.Defects = make([]Defect, n)
		for i := range m.Defects {
			m.Defects[i] = Defect(d.str())
		}
	}
	d.tree(m, depth)
}

func (d *decoder) envelope(env *Envelope) {
	env.Date = d.str()
	env.Subject = d.str()
	for _, l := range []*[]Address{&env.From, &env.Sender, &env.ReplyTo,
		&env.To, &env.Cc, &env.Bcc} {
		*l = d.addrs()
	}
	env.InReplyTo = d.str()
	env.MessageID = d.str()
}

// derived reads the decoded fields, or rebuilds those the flags mark as
// derived from the envelope.
func (d *decoder) derived(m *Message, flags uint64) {
	env := &m.Envelope
	envLists := [][]Address{env.From, env.Sender, env.ReplyTo, env.To, env.Cc, env.Bcc}
	lists := []*[]Address{&m.From, &m.Sender, &m.ReplyTo, &m.To, &m.Cc, &m.Bcc}
	for i, l := range lists {
		if flags&flagAddrsDerived != 0 {
			*l = envMailboxes(envLists[i])
		} else {
			*l = d.addrs()
		}
	}
	if flags&flagMsgIDDerived != 0 {
		m.MessageID = bareID(env.MessageID)
	} else {
		m.MessageID = d.str()
	}
	m.InReplyTo = d.strs()
	m.References = d.strs()
	m.Subject = env.Subject
	if flags&flagSubjectSame == 0 {
		m.Subject = d.str()
	}
	m.ThreadSubject = m.Subject
	if flags&flagThreadSame == 0 {
		m.ThreadSubject = d.str()
	}
}

// tree reads the part tree and the body lists.
func (d *decoder) tree(m *Message, depth int) {
	var index []*Part
	if d.uint() == 1 {
		m.Root = &Part{}
		d.part(m.Root, 0, depth, &index)
	}
	bodies := []*[]*Part{&m.TextBody, &m.HTMLBody, &m.Attachments}
	for i, l := range bodies {
		n := d.count()
		if i < 2 {
			*l = make([]*Part, 0, n)
		} else if n > 0 {
			*l = make([]*Part, 0, n)
		}
		for range n {
			k := d.uint()
			if k >= uint64(len(index)) {
				d.fail()
				return
			}
			*l = append(*l, index[k])
		}
	}
}

func (d *decoder) part(p *Part, base int64, depth int, index *[]*Part) {
	if depth > DefaultMaxDepth*2+2 || d.err != nil {
		d.fail()
		return
	}
	*index = append(*index, p)
	p.Type = d.str()
	p.Subtype = d.str()
	p.Params = d.params()
	p.ID = d.str()
	p.Description = d.str()
	p.MD5 = d.str()
	p.Encoding = d.str()
	p.Disposition = d.str()
	p.DispositionParams = d.params()
	p.Language = d.strs()
	p.Location = d.str()
	p.HeaderStart = base + d.int()
	p.BodyStart = p.HeaderStart + int64(d.uint())
	p.Size = int64(d.uint())
	p.End = p.BodyStart + p.Size
	p.Lines = int64(d.uint())
	p.Charset = d.str()
	p.Filename = d.str()
	if n := d.count(); n > 0 {
		p.Children = make([]*Part, n)
		kids := make([]Part, n)
		for i := range p.Children {
			p.Children[i] = &kids[i]
			d.part(p.Children[i], p.BodyStart, depth+1, index)
		}
	}
	if d.uint() == 1 {
		p.Message = &Message{}
		d.message(p.Message, depth+1)
	}
}
