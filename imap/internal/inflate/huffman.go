package inflate

// Base values and extra bits of length codes 257..285 and distance codes
// 0..29 (RFC 1951 section 3.2.5).
var (
	lengthBase = [29]uint16{3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31,
		35, 43, 51, 59, 67, 83, 99, 115, 131, 163, 195, 227, 258}
	lengthExtra = [29]uint8{0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2,
		3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0}
	distBase = [30]uint16{1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65, 97, 129, 193,
		257, 385, 513, 769, 1025, 1537, 2049, 3073, 4097, 6145, 8193, 12289, 16385, 24577}
	distExtra = [30]uint8{0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6,
		7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13}
	// clOrder is the order of code length code lengths (section 3.2.7).
	clOrder = [19]uint8{16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15}
)

// fixed returns the fixed codes of section 3.2.6, built once per Reader.
func (z *Reader) fixed() (*huffman, *huffman) {
	if z.fixLit == nil {
		var l [288]uint8
		for i := range l {
			switch {
			case i < 144:
				l[i] = 8
			case i < 256:
				l[i] = 9
			case i < 280:
				l[i] = 7
			default:
				l[i] = 8
			}
		}
		var d [30]uint8
		for i := range d {
			d[i] = 5
		}
		z.fixLit, z.fixDist = &huffman{}, &huffman{}
		_ = z.fixLit.build(l[:])
		_ = z.fixDist.build(d[:])
	}
	return z.fixLit, z.fixDist
}

// dynamic reads the code definitions of a dynamic block (section 3.2.7).
func (z *Reader) dynamic() error {
	v, err := z.take(14)
	if err != nil {
		return err
	}
	nlen, ndist, ncode := int(v&31)+257, int(v>>5&31)+1, int(v>>10)+4
	if nlen > 286 || ndist > 30 {
		return ErrCorrupt
	}
	var cl [19]uint8
	for i := 0; i < ncode; i++ {
		b, err := z.take(3)
		if err != nil {
			return err
		}
		cl[clOrder[i]] = uint8(b)
	}
	var clCode huffman
	if err := clCode.build(cl[:]); err != nil {
		return err
	}
	lengths := make([]uint8, nlen+ndist)
	for i := 0; i < len(lengths); {
		sym, err := z.decode(&clCode)
		if err != nil {
			return err
		}
		if sym < 16 {
			lengths[i] = uint8(sym)
			i++
			continue
		}
		var rep uint32
		var val uint8
		switch sym {
		case 16:
			if i == 0 {
				return ErrCorrupt
			}
			val = lengths[i-1]
			rep, err = z.take(2)
			rep += 3
		case 17:
			rep, err = z.take(3)
			rep += 3
		default:
			rep, err = z.take(7)
			rep += 11
		}
		if err != nil {
			return err
		}
		if i+int(rep) > len(lengths) {
			return ErrCorrupt
		}
		for ; rep > 0; rep-- {
			lengths[i] = val
			i++
		}
	}
	if lengths[256] == 0 {
		return ErrCorrupt
	}
	z.lit, z.dist = &huffman{}, &huffman{}
	if err := z.lit.build(lengths[:nlen]); err != nil {
		return err
	}
	return z.dist.build(lengths[nlen:])
}

// huffmanBlock decodes symbols until the end of the block or until
// maxOut octets are ready; it resumes where it stopped.
func (z *Reader) huffmanBlock() error {
	for len(z.out) < maxOut {
		sym, err := z.decode(z.lit)
		if err != nil {
			return err
		}
		switch {
		case sym < 256:
			z.emit(byte(sym))
		case sym == 256:
			z.inBlock = false
			return nil
		default:
			if err := z.copyMatch(sym - 257); err != nil {
				return err
			}
		}
	}
	return nil
}

// copyMatch copies a length/distance pair from the window.
func (z *Reader) copyMatch(li int) error {
	if li >= len(lengthBase) {
		return ErrCorrupt
	}
	extra, err := z.take(uint(lengthExtra[li]))
	if err != nil {
		return err
	}
	length := int(lengthBase[li]) + int(extra)
	di, err := z.decode(z.dist)
	if err != nil {
		return err
	}
	if di >= len(distBase) {
		return ErrCorrupt
	}
	if extra, err = z.take(uint(distExtra[di])); err != nil {
		return err
	}
	dist := int(distBase[di]) + int(extra)
	if dist > z.wpos && !z.filled {
		return ErrCorrupt
	}
	for ; length > 0; length-- {
		z.emit(z.window[(z.wpos-dist+windowSize)%windowSize])
	}
	return nil
}
