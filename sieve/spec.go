package sieve

// valKind is the kind of value a tag or positional argument takes.
type valKind int

const (
	valNone    valKind = iota
	valString          // a single string
	valStrings         // a string list
	valNumber
)

func (k valKind) String() string {
	switch k {
	case valString:
		return "string"
	case valStrings:
		return "string list"
	case valNumber:
		return "number"
	}
	return "nothing"
}

// family is a group of shared tagged arguments, such as the match types.
type family uint16

const (
	famMatch    family = 1 << iota // match type and comparator
	famAddrPart                    // :all :localpart :domain (:user :detail)
	famIndex                       // :index n :last (RFC 5260, section 6)
	famMime                        // :mime :anychild and options (RFC 5703, 4.2)
	famZone                        // :zone / :originalzone (RFC 5260)
)

// tagDef declares one tagged argument.
type tagDef struct {
	val   valKind
	group string // tags in the same group exclude each other
	ext   string // extension that must be required, "" for always
}

// cmdSpec declares a command or a test.
type cmdSpec struct {
	name string
	ext  string // extension that provides it; "" for the base language
	test bool
	tags map[string]tagDef
	fams family
	args []valKind // positional arguments
	// optArgs is how many trailing positional arguments may be left out.
	optArgs int
	block   int // 0: no block, 1: required
	// subtests: -1 none, 1 exactly one, 2 a test-list
	subtests int
	// check validates and prepares a node at compile time.
	check func(c *compiler, n *node)
	exec  func(rt *runtime, n *node) error
	eval  func(rt *runtime, n *node) (bool, error)
}

// node is a compiled command or test.
type node struct {
	spec  *cmdSpec
	pos   Pos
	tags  map[string]*value
	args  []*value
	tests []*node
	block []*node
	// m is the prepared match (match type, comparator, address part).
	m *matcher
	// data is command-specific compiled state.
	data any
	// script is the script that holds the node (for include paths).
	script *Script
}

// value is a compiled argument value.
type value struct {
	pos  Pos
	num  uint64
	strs []*tstr
	list bool
	set  bool
}

func (n *node) tag(name string) *value {
	if n.tags == nil {
		return nil
	}
	return n.tags[name]
}

func (n *node) has(name string) bool { return n.tag(name) != nil }

// Extension is a set of commands and tests that a script enables with
// "require". Hosts may add their own (the test suite does); names must not
// clash with the built-in ones.
type Extension struct {
	// Name is the capability string used in "require".
	Name string
	// Commands and Tests the extension provides.
	Commands []CommandSpec
	// Trusted marks extensions only trusted scripts may require.
	Trusted bool
}

// CommandSpec declares a command or test of a host extension. Arguments are
// evaluated (variables expanded) before Run is called.
type CommandSpec struct {
	Name string
	Test bool
	// Tags maps a tagged argument (without ':') to the kind of its value:
	// "" (none), "string", "strings" or "number".
	Tags map[string]string
	// Args lists the kinds of the positional arguments.
	Args []string
	// MinArgs is the number of required positional arguments; the rest
	// are optional. Zero means all are required.
	MinArgs int
	// Block makes the command take a block; Run's return decides whether
	// it runs.
	Block bool
	// Match lets the test take a match type and comparator; Run then gets
	// a Matcher in Call.
	Match bool
	// Run carries out the command. For tests the bool is the result; for
	// commands with a block it says whether to run the block.
	Run func(ctx *Call) (bool, error)
}
