package imap

// threadReferences builds threads by the REFERENCES algorithm of RFC 5256
// section 2.2: containers linked through Message-ID and References,
// empty containers pruned, roots merged by base subject, siblings sorted
// by sent date.
func (s *session) threadReferences(seqs []uint32) []*threadNode {
	infos := s.threadInfos(seqs)
	byID := map[string]*threadNode{}
	var all []*threadNode
	get := func(id string) *threadNode {
		if n := byID[id]; n != nil {
			return n
		}
		n := &threadNode{}
		byID[id] = n
		all = append(all, n)
		return n
	}
	for _, ti := range infos {
		c := ti.node
		if ex := byID[ti.messageID]; ti.messageID != "" && ex != nil && ex.seq == 0 {
			ex.seq, ex.date, ex.subject, ex.isReply = c.seq, c.date, c.subject, c.isReply
			c = ex
		} else {
			// A missing or duplicate Message-ID gets a container of its own.
			all = append(all, c)
			if ti.messageID != "" && ex == nil {
				byID[ti.messageID] = c
			}
		}
		var prev *threadNode
		for _, ref := range ti.references {
			r := get(ref)
			if prev != nil && r.parent == nil && r != prev && !isAncestor(r, prev) {
				link(prev, r)
			}
			prev = r
		}
		if prev != nil && (prev == c || isAncestor(c, prev)) {
			prev = nil
		}
		if c.parent != nil {
			unlink(c)
		}
		if prev != nil {
			link(prev, c)
		}
	}
	var roots []*threadNode
	for _, n := range all {
		if n.parent == nil {
			roots = append(roots, n)
		}
	}
	roots = prune(roots, true)
	roots = groupBySubject(roots)
	sortTree(roots)
	return roots
}

func link(parent, child *threadNode) {
	child.parent = parent
	parent.children = append(parent.children, child)
}

func unlink(c *threadNode) {
	p := c.parent
	for i, x := range p.children {
		if x == c {
			p.children = append(p.children[:i:i], p.children[i+1:]...)
			break
		}
	}
	c.parent = nil
}

// isAncestor reports whether a is b or an ancestor of b.
func isAncestor(a, b *threadNode) bool {
	for n, i := b, 0; n != nil && i < 10000; n, i = n.parent, i+1 {
		if n == a {
			return true
		}
	}
	return false
}

// prune drops empty containers without children and promotes the
// children of other empty ones (RFC 5256 section 2.2 step 4).
func prune(nodes []*threadNode, root bool) []*threadNode {
	var out []*threadNode
	for _, c := range nodes {
		c.children = prune(c.children, false)
		if c.seq == 0 {
			if len(c.children) == 0 {
				continue
			}
			if !root || len(c.children) == 1 {
				for _, ch := range c.children {
					ch.parent = c.parent
				}
				out = append(out, c.children...)
				continue
			}
		}
		out = append(out, c)
	}
	return out
}

func nodeSubject(n *threadNode) (string, bool) {
	if n.seq == 0 && len(n.children) > 0 {
		return n.children[0].subject, n.children[0].isReply
	}
	return n.subject, n.isReply
}

// groupBySubject merges root threads with the same base subject (RFC
// 5256 section 2.2 step 5).
func groupBySubject(roots []*threadNode) []*threadNode {
	sortTree(roots)
	table := map[string]*threadNode{}
	for _, r := range roots {
		subj, reply := nodeSubject(r)
		if subj == "" {
			continue
		}
		old := table[subj]
		if old == nil || (r.seq == 0 && old.seq != 0) {
			table[subj] = r
			continue
		}
		if _, oldReply := nodeSubject(old); old.seq != 0 && oldReply && !reply && r.seq != 0 {
			table[subj] = r
		}
	}
	var out []*threadNode
	for _, r := range roots {
		subj, reply := nodeSubject(r)
		t := table[subj]
		if subj == "" || t == nil || t == r {
			out = append(out, r)
			continue
		}
		_, tReply := nodeSubject(t)
		switch {
		case t.seq == 0 && r.seq == 0:
			for _, ch := range r.children {
				link(t, ch)
			}
		case t.seq == 0 || (!tReply && reply && t.seq != 0 && r.seq != 0):
			link(t, r)
		default:
			// Both are messages and neither is a reply: join them under a
			// new placeholder that takes t's place among the roots.
			t2 := *t
			moved := &t2
			for _, ch := range moved.children {
				ch.parent = moved
			}
			*t = threadNode{children: nil}
			link(t, moved)
			link(t, r)
		}
	}
	return out
}

// sortTree orders siblings by sent date at every level (step 6).
func sortTree(nodes []*threadNode) {
	for _, n := range nodes {
		sortTree(n.children)
	}
	sortByDate(nodes)
}
