package imap

import (
	"strconv"
	"strings"

	"github.com/bulwarkmail/bulwark/imap/internal/wire"
)

// searchArgs are SEARCH arguments with RETURN options (RFC 4731, RFC
// 5182) and CHARSET.
type searchArgs struct {
	ret     []string // nil: no RETURN; empty: RETURN ()
	hasRet  bool
	partial *[2]uint32
	charset string
	keys    *wire.SearchKey
}

func parseSearch(p *parser) (any, error) {
	var a searchArgs
	if err := p.d.SP(); err != nil {
		return nil, err
	}
	if err := parseSearchPrefix(p, &a, true); err != nil {
		return nil, err
	}
	keys, err := wire.ParseSearchKeys(p.d)
	a.keys = keys
	return a, err
}

// parseSearchPrefix reads optional "RETURN (...) " and "CHARSET x "
// before the keys.
func parseSearchPrefix(p *parser, a *searchArgs, allowReturn bool) error {
	d := p.d
	if allowReturn && d.AcceptWord("RETURN") {
		if err := parseReturn(d, a); err != nil {
			return err
		}
	}
	if d.AcceptWord("CHARSET") {
		cs, err := d.AString()
		if err != nil {
			return err
		}
		a.charset = cs
		return d.SP()
	}
	return nil
}

// parseReturn reads the RETURN options of SEARCH or SORT and the space
// after them (RFC 4731 section 3.1, RFC 5182, RFC 5267 sections 4.3 and
// 4.4).
func parseReturn(d *wire.Decoder, a *searchArgs) error {
	a.hasRet = true
	a.ret = []string{}
	err := d.List(0, func() error {
		opt, err := d.Atom()
		opt = strings.ToUpper(opt)
		switch opt {
		case "MIN", "MAX", "ALL", "COUNT", "SAVE", "UPDATE", "CONTEXT":
		case "PARTIAL":
			if err == nil {
				err = d.SP()
			}
			if err == nil {
				var r [2]uint32
				r, err = parsePartial(d)
				a.partial = &r
			}
		default:
			if err == nil {
				err = &wire.SyntaxError{Msg: "unknown RETURN option " + opt}
			}
		}
		a.ret = append(a.ret, opt)
		return err
	})
	if err != nil {
		return err
	}
	return d.SP()
}

func checkCharset(cs string) error {
	switch strings.ToUpper(cs) {
	case "", "UTF-8", "US-ASCII", "UTF8":
		return nil
	}
	return errNo("BADCHARSET (UTF-8 US-ASCII)", "Unsupported charset")
}

func (s *session) cmdSearch(cmd *command) error {
	a := cmd.args.(searchArgs)
	if err := checkCharset(a.charset); err != nil {
		return err
	}
	res, err := s.search(a.keys)
	if err != nil {
		return err
	}
	s.writeSearchResult(cmd, a, res, false)
	return nil
}

// searchResult is the matching messages in sequence order.
type searchResult struct {
	seqs      []uint32
	maxModSeq uint64
	useModSeq bool
}

func (r searchResult) nums(s *session, uid bool) []uint32 {
	if !uid {
		return r.seqs
	}
	out := make([]uint32, len(r.seqs))
	for i, n := range r.seqs {
		out[i] = s.sel.msgs[n-1].UID
	}
	return out
}

// writeSearchResult writes SEARCH, or ESEARCH when RETURN was given or
// IMAP4rev2 is on (RFC 9051 section 7.3.4, RFC 4731 section 3.1).
func (s *session) writeSearchResult(cmd *command, a searchArgs, r searchResult, sorted bool) {
	nums := r.nums(s, cmd.uid)
	opts := map[string]bool{}
	for _, o := range a.ret {
		opts[o] = true
	}
	if a.hasRet && len(a.ret) == 0 {
		opts["ALL"] = true
	}
	if opts["SAVE"] {
		s.saved = r.nums(s, true)
		if len(a.ret) == 1 {
			return
		}
	}
	switch {
	case opts["UPDATE"] && sorted:
		// Sorted results are not kept up to date (RFC 5267 section
		// 4.3.1).
		s.okCode = "NOUPDATE " + strconv.Quote(cmd.tag)
	case opts["UPDATE"]:
		s.addContext(cmd, a.keys, r)
	}
	if !a.hasRet && !s.rev2 {
		e := s.untagged().Raw(cmd.name)
		for _, n := range nums {
			e.SP().Number(n)
		}
		if r.useModSeq && len(nums) > 0 {
			e.Raw(" (MODSEQ ").Number64(r.maxModSeq).Byte(')')
		}
		e.CRLF()
		return
	}
	if !a.hasRet {
		opts["ALL"] = true
	}
	e := s.untagged().Raw("ESEARCH (TAG ").Quoted(cmd.tag).Byte(')')
	if cmd.uid {
		e.Raw(" UID")
	}
	if len(nums) > 0 {
		// For SORT, MIN and MAX are the first and last in sort order
		// (RFC 5267 section 4.2).
		lo, hi := nums[0], nums[len(nums)-1]
		if !sorted {
			for _, n := range nums {
				lo, hi = min(lo, n), max(hi, n)
			}
		}
		if opts["MIN"] {
			e.Raw(" MIN ").Number(lo)
		}
		if opts["MAX"] {
			e.Raw(" MAX ").Number(hi)
		}
		if opts["ALL"] {
			if sorted {
				e.Raw(" ALL ").Raw(wire.FormatList(nums))
			} else {
				e.Raw(" ALL ").Raw(wire.FormatSet(nums))
			}
		}
	}
	if opts["COUNT"] {
		e.Raw(" COUNT ").Raw(strconv.Itoa(len(nums)))
	}
	if a.partial != nil {
		writePartial(e, *a.partial, nums, sorted)
	}
	if r.useModSeq && len(nums) > 0 {
		e.Raw(" MODSEQ ").Number64(s.returnedModSeq(r, opts))
	}
	e.CRLF()
}

// returnedModSeq is the highest MODSEQ of the messages an ESEARCH returns:
// with only MIN and/or MAX, of those messages alone (RFC 7162 section
// 3.1.5, RFC 4731 section 3.2).
func (s *session) returnedModSeq(r searchResult, opts map[string]bool) uint64 {
	if opts["ALL"] || opts["COUNT"] || len(r.seqs) == 0 {
		return r.maxModSeq
	}
	var ms uint64
	lo, hi := r.seqs[0], r.seqs[0]
	for _, n := range r.seqs {
		lo, hi = min(lo, n), max(hi, n)
	}
	if opts["MIN"] {
		ms = max(ms, s.sel.msgs[lo-1].ModSeq)
	}
	if opts["MAX"] {
		ms = max(ms, s.sel.msgs[hi-1].ModSeq)
	}
	return ms
}
