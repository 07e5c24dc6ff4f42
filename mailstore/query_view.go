package mailstore

import "encoding/binary"

// view is what a query reads of one candidate, decoded without copying:
// the byte fields point into values of the read transaction, which
// outlives the query. Fields from the email record (full) are filled only
// when a condition needs them.
type view struct {
	e        uint64
	uid      uint32
	modseq   uint64
	received int64
	size     int64
	sent     int64
	thread   uint64
	kws      []byte // encoded string list
	baseSubj []byte
	sortFrom []byte
	sortTo   []byte
	sortCc   []byte
	subject  []byte
	from     []byte

	// full holds the email record's fields once read.
	full *fullView
}

// fullView is what only the email record holds.
type fullView struct {
	links  []byte // encoded (mailbox, uid) list
	blob   []byte
	to, cc []byte
	bcc    []byte
}

// rd reads the encoded fields of a record without allocating.
type rd struct {
	b  []byte
	ok bool
}

func (r *rd) uvarint() uint64 {
	v, n := binary.Uvarint(r.b)
	if n <= 0 {
		r.ok, r.b = false, nil
		return 0
	}
	r.b = r.b[n:]
	return v
}

func (r *rd) varint() int64 {
	v, n := binary.Varint(r.b)
	if n <= 0 {
		r.ok, r.b = false, nil
		return 0
	}
	r.b = r.b[n:]
	return v
}

func (r *rd) bytes(n uint64) []byte {
	if n > uint64(len(r.b)) {
		r.ok, r.b = false, nil
		return nil
	}
	v := r.b[:n:n]
	r.b = r.b[n:]
	return v
}

func (r *rd) str() []byte { return r.bytes(r.uvarint()) }

// strs returns the encoded region of a string list.
func (r *rd) strs() []byte {
	start := r.b
	n := r.uvarint()
	for i := uint64(0); i < n && r.ok; i++ {
		r.str()
	}
	if !r.ok {
		return nil
	}
	return start[:len(start)-len(r.b)]
}

// pairs returns the encoded region of a list of two-varint pairs.
func (r *rd) pairs() []byte {
	start := r.b
	n := r.uvarint()
	for i := uint64(0); i < n && r.ok; i++ {
		r.uvarint()
		r.uvarint()
	}
	if !r.ok {
		return nil
	}
	return start[:len(start)-len(r.b)]
}

// viewEntry decodes an entry record into v.
func viewEntry(b []byte, v *view) bool {
	if len(b) == 0 || b[0] != entryFormat {
		return false
	}
	r := rd{b: b[1:], ok: true}
	v.e = r.uvarint()
	v.modseq = r.uvarint()
	v.received = r.varint()
	v.size = r.varint()
	v.sent = r.varint()
	v.thread = r.uvarint()
	v.kws = r.strs()
	v.baseSubj = r.str()
	v.sortFrom = r.str()
	v.sortTo = r.str()
	v.sortCc = r.str()
	v.subject = r.str()
	v.from = r.str()
	return r.ok
}

// fullSlab hands out fullViews from chunks, one allocation per chunk.
type fullSlab struct{ free []fullView }

func (sl *fullSlab) get() *fullView {
	if sl == nil {
		return &fullView{}
	}
	if len(sl.free) == 0 {
		sl.free = make([]fullView, 256)
	}
	fv := &sl.free[0]
	sl.free = sl.free[1:]
	return fv
}

// viewEmail decodes an email record into v. With entry set, v already
// holds the mailbox entry, whose MODSEQ and keywords are kept.
func viewEmail(b []byte, v *view, entry bool, sl *fullSlab) bool {
	if len(b) == 0 || b[0] != emailFormat {
		return false
	}
	r := rd{b: b[1:], ok: true}
	fv := sl.get()
	thread := r.uvarint()
	fv.blob = r.bytes(32)
	size, received, sent := r.varint(), r.varint(), r.varint()
	modseq := r.uvarint()
	kws := r.strs()
	fv.links = r.pairs()
	subject := r.str()
	baseSubj := r.str()
	from := r.str()
	fv.to, fv.cc, fv.bcc = r.str(), r.str(), r.str()
	sortFrom, sortTo, sortCc := r.str(), r.str(), r.str()
	if r.ok {
		v.full = fv
	}
	if !entry {
		v.thread, v.size, v.received, v.sent = thread, size, received, sent
		v.modseq, v.kws, v.baseSubj = modseq, kws, baseSubj
		v.sortFrom, v.sortTo, v.sortCc = sortFrom, sortTo, sortCc
		v.subject, v.from = subject, from
	}
	return r.ok
}

// hasKw reports whether an encoded keyword list holds k.
func hasKw(list []byte, k string) bool {
	r := rd{b: list, ok: true}
	n := r.uvarint()
	for i := uint64(0); i < n && r.ok; i++ {
		if string(r.str()) == k {
			return true
		}
	}
	return false
}

// inLinks reports whether an encoded link list names mailbox m.
func inLinks(list []byte, m uint32) bool {
	found := false
	eachLink(list, func(mb uint32) bool {
		found = mb == m
		return !found
	})
	return found
}

// eachLink calls fn with each mailbox of an encoded link list until it
// returns false.
func eachLink(list []byte, fn func(m uint32) bool) {
	r := rd{b: list, ok: true}
	n := r.uvarint()
	for i := uint64(0); i < n && r.ok; i++ {
		m := uint32(r.uvarint())
		r.uvarint()
		if !fn(m) {
			return
		}
	}
}
