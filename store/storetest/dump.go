package storetest

import (
	"bufio"
	"compress/gzip"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"

	"github.com/bulwarkmail/bulwark/store"
)

// dumpMagic opens a dump; the number is the format's version.
const dumpMagic = "bulwark-kvdump 1\n"

// Kinds of dump records.
const (
	dumpPlain   byte = 0
	dumpCounter byte = 1
)

// DumpSpace names a space to dump and whether it holds counters.
type DumpSpace struct {
	Space   store.Space
	Counter bool
}

// WriteDump writes every key of the spaces of kv to w, gzip-compressed:
// a store's contents as test data (a fixture of an old layout) that
// LoadDump puts into a store of any adapter. Each record is a kind byte
// and the space, key and value, each a uvarint length and its octets;
// a counter's value is its 8-octet big-endian number.
func WriteDump(ctx context.Context, kv store.KV, spaces []DumpSpace, w io.Writer) error {
	zw := gzip.NewWriter(w)
	bw := bufio.NewWriter(zw)
	bw.WriteString(dumpMagic)
	put := func(b []byte) {
		var n [binary.MaxVarintLen64]byte
		bw.Write(n[:binary.PutUvarint(n[:], uint64(len(b)))])
		bw.Write(b)
	}
	err := kv.View(ctx, func(tx store.Tx) error {
		for _, sp := range spaces {
			err := tx.Scan(sp.Space, store.Range{}, func(k, v []byte) error {
				kind := dumpPlain
				if sp.Counter {
					kind = dumpCounter
					c, err := tx.Counter(sp.Space, k)
					if err != nil {
						return err
					}
					v = binary.BigEndian.AppendUint64(nil, c)
				}
				bw.WriteByte(kind)
				put([]byte(sp.Space))
				put(k)
				put(v)
				return nil
			})
			if err != nil {
				return fmt.Errorf("dump %s: %w", sp.Space, err)
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	if err := bw.Flush(); err != nil {
		return err
	}
	return zw.Close()
}

// maxDumpField caps a space, key or value read from a dump.
const maxDumpField = 64 << 20

// LoadDump writes the records of a dump made by WriteDump into kv,
// adding counters with Add, a few thousand records per transaction.
func LoadDump(ctx context.Context, kv store.KV, r io.Reader) error {
	zr, err := gzip.NewReader(r)
	if err != nil {
		return fmt.Errorf("load dump: %w", err)
	}
	br := bufio.NewReader(zr)
	magic := make([]byte, len(dumpMagic))
	if _, err := io.ReadFull(br, magic); err != nil || string(magic) != dumpMagic {
		return fmt.Errorf("load dump: not a dump of this format")
	}
	field := func() ([]byte, error) {
		n, err := binary.ReadUvarint(br)
		if err != nil {
			return nil, err
		}
		if n > maxDumpField {
			return nil, fmt.Errorf("field of %d octets", n)
		}
		b := make([]byte, n)
		_, err = io.ReadFull(br, b)
		return b, err
	}
	type record struct {
		kind       byte
		space      store.Space
		key, value []byte
	}
	var batch []record
	flush := func() error {
		err := kv.Update(ctx, func(tx store.Tx) error {
			for _, rec := range batch {
				var err error
				if rec.kind == dumpCounter {
					if len(rec.value) != 8 {
						return fmt.Errorf("counter of %d octets", len(rec.value))
					}
					_, err = tx.Add(rec.space, rec.key, binary.BigEndian.Uint64(rec.value))
				} else {
					err = tx.Put(rec.space, rec.key, rec.value)
				}
				if err != nil {
					return err
				}
			}
			return nil
		})
		batch = batch[:0]
		return err
	}
	for {
		kind, err := br.ReadByte()
		if errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			return fmt.Errorf("load dump: %w", err)
		}
		var rec record
		rec.kind = kind
		sp, err := field()
		if err == nil {
			rec.space = store.Space(sp)
			rec.key, err = field()
		}
		if err == nil {
			rec.value, err = field()
		}
		if err != nil {
			return fmt.Errorf("load dump: truncated record: %w", err)
		}
		if kind != dumpPlain && kind != dumpCounter {
			return fmt.Errorf("load dump: record kind %d", kind)
		}
		batch = append(batch, rec)
		if len(batch) == 2000 {
			if err := flush(); err != nil {
				return fmt.Errorf("load dump: %w", err)
			}
		}
	}
	if err := flush(); err != nil {
		return fmt.Errorf("load dump: %w", err)
	}
	return nil
}
