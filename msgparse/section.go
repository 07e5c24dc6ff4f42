package msgparse

// Section returns the part that an IMAP section number names, counted from
// p as the message's top level (RFC 9051 section 6.4.5): path [] is p
// itself, [1] of a part that is not multipart is its body, [n] of a
// multipart its n-th child, and a message/rfc822 part descends into the
// encapsulated message. It returns nil when no such part exists.
func (p *Part) Section(path []int) *Part {
	cur := p
	for i, n := range path {
		if cur == nil || n < 1 {
			return nil
		}
		// Step into an encapsulated message before numbering its parts,
		// except at the top, where p already is the message's root.
		if i > 0 && cur.Message != nil {
			cur = cur.Message.Root
		}
		if cur.IsMultipart() {
			if n > len(cur.Children) {
				return nil
			}
			cur = cur.Children[n-1]
			continue
		}
		if n != 1 {
			return nil
		}
	}
	return cur
}

// Section returns the part for an IMAP section number of the message, as
// Part.Section does from the root.
func (m *Message) Section(path []int) *Part {
	if m == nil || m.Root == nil {
		return nil
	}
	return m.Root.Section(path)
}

// Walk calls fn for every part of the tree in IMAP order (depth first,
// parent before children), descending into encapsulated messages; it
// stops early when fn returns false.
func (p *Part) Walk(fn func(*Part) bool) bool {
	if !fn(p) {
		return false
	}
	if p.Message != nil && p.Message.Root != nil {
		if !p.Message.Root.Walk(fn) {
			return false
		}
	}
	for _, c := range p.Children {
		if !c.Walk(fn) {
			return false
		}
	}
	return true
}
