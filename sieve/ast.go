package sieve

// ArgKind tells what an Argument holds.
type ArgKind int

// Argument kinds, RFC 5228 section 2.6.
const (
	ArgStrings ArgKind = iota // a string or string list
	ArgNumber
	ArgTag
)

// Argument is one argument of a command or test as written.
type Argument struct {
	Kind    ArgKind
	Pos     Pos
	Tag     string   // for ArgTag, lower-case, without ':'
	Num     uint64   // for ArgNumber
	Strings []string // for ArgStrings
	List    bool     // written as a bracketed list
	// Multiline marks strings written as "text:" blocks.
	Multiline bool
}

// TestNode is a test as written, RFC 5228 section 3.
type TestNode struct {
	Name  string
	Pos   Pos
	Args  []Argument
	Tests []*TestNode
	// List is set when Tests was written as a parenthesised test-list.
	List bool
}

// CommandNode is a command as written, RFC 5228 section 2.9.
type CommandNode struct {
	Name     string
	Pos      Pos
	Args     []Argument
	Tests    []*TestNode
	List     bool // Tests written as a test-list
	Block    []*CommandNode
	HasBlock bool
}
