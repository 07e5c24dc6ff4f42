// Package storetest is the conformance suite for the store contracts.
// Every adapter in Bulwark runs it, and so should adapters written for
// other databases:
//
//	func TestConformance(t *testing.T) {
//		storetest.TestKV(t, func(t *testing.T) store.KV {
//			kv := mydb.Open(...)
//			t.Cleanup(func() { kv.Close() })
//			return kv
//		})
//	}
//
// TestKV checks byte-wise key order, range bounds in both directions,
// limits and prefixes, early stops, read-your-writes, snapshot isolation
// of readers, rollback, read-only transactions, serialisable
// read-modify-write under concurrency, counters that never hand out a
// value twice, large values and many keys. TestBlobs checks content
// addressing, byte ranges, deduplication, listing, deletion and failed
// uploads.
//
// The open function is called once per subtest and must return an empty
// store; it registers its own cleanup with t.Cleanup. Close may be
// called by the suite as well as by that cleanup, so it must tolerate a
// second call.
package storetest
