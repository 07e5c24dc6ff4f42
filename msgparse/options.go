package msgparse

// Options limits what Parse keeps. The zero value is safe: every zero field
// takes the default named in its comment.
type Options struct {
	// MaxDepth caps MIME nesting (multiparts and encapsulated messages).
	// A multipart or message/rfc822 part at this depth is not descended
	// into: it is kept as an opaque application/octet-stream leaf, so that
	// IMAP still shows a valid structure. Default 100.
	MaxDepth int
	// MaxParts caps the number of parts in the whole tree; parts beyond it
	// are left inside their parent's body. Default 10000.
	MaxParts int
	// MaxTextBytes caps the decoded body kept per text part in Part.Text
	// for search and previews. Default 1 MiB.
	MaxTextBytes int
	// MaxTotalTextBytes caps the decoded text kept over all parts of a
	// message. Default 8 MiB.
	MaxTotalTextBytes int
	// MaxHeaderBytes caps the octets kept of one header field; the field's
	// bytes stay in the raw message. Default 64 KiB.
	MaxHeaderBytes int
	// PreviewLength is the length of Message.Preview in characters.
	// Default 256.
	PreviewLength int
}

// The defaults for Options' zero fields.
const (
	DefaultMaxDepth       = 100
	DefaultMaxParts       = 10000
	DefaultMaxTextBytes   = 1 << 20
	DefaultMaxHeaderBytes = 64 << 10
	DefaultPreviewLength  = 256

	DefaultMaxTotalTextBytes = 8 << 20
)

func (o Options) withDefaults() Options {
	if o.MaxDepth <= 0 {
		o.MaxDepth = DefaultMaxDepth
	}
	if o.MaxParts <= 0 {
		o.MaxParts = DefaultMaxParts
	}
	if o.MaxTextBytes <= 0 {
		o.MaxTextBytes = DefaultMaxTextBytes
	}
	if o.MaxTotalTextBytes <= 0 {
		o.MaxTotalTextBytes = DefaultMaxTotalTextBytes
	}
	if o.MaxHeaderBytes <= 0 {
		o.MaxHeaderBytes = DefaultMaxHeaderBytes
	}
	if o.PreviewLength <= 0 {
		o.PreviewLength = DefaultPreviewLength
	}
	return o
}
