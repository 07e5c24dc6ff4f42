package mailenv

// Failure is a recipient whose delivery failed after the message was
// accepted for others, with the reply that tells why (RFC 5321, section
// 4.2; enhanced status code of RFC 3463). Whoever takes it over retries
// a temporary failure and reports a permanent one to the reverse-path
// (RFC 5321, section 6.1).
type Failure struct {
	// Recipient is the envelope recipient that failed.
	Recipient *Recipient
	// Code is the reply code: 4yz for a temporary failure, 5yz for a
	// permanent one.
	Code int
	// Status is the enhanced status code, such as "4.2.2".
	Status string
	// Text is the reply text, without the codes.
	Text string
}

// Temporary reports whether the failure is transient (a 4yz reply).
func (f Failure) Temporary() bool { return f.Code/100 == 4 }
