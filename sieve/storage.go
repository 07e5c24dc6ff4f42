package sieve

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"log/slog"
	"sort"
	"sync"
	"unicode/utf8"

	"github.com/bulwarkmail/bulwark/store"
)

// Storage errors.
var (
	// ErrNoScript is returned when the named script does not exist.
	ErrNoScript = errors.New("sieve: no such script")
	// ErrScriptExists is returned by Rename when the new name is taken.
	ErrScriptExists = errors.New("sieve: script already exists")
	// ErrActiveScript is returned by Delete for the active script
	// (RFC 5804 section 2.10).
	ErrActiveScript = errors.New("sieve: script is active")
	// ErrQuota is returned when a script would exceed the account's
	// limits on count or size (RFC 5804 section 1.3, QUOTA).
	ErrQuota = errors.New("sieve: quota exceeded")
	// ErrBadName is returned for a script name RFC 5804 section 1.6
	// does not allow.
	ErrBadName = errors.New("sieve: invalid script name")
)

// Key spaces of the storage.
const (
	spaceScripts store.Space = "sieve_scripts"
	spaceActive  store.Space = "sieve_active"
)

// StorageOptions configures a Storage. The zero value is usable.
type StorageOptions struct {
	// Compile are the options scripts are checked and compiled with.
	Compile *Options
	// MaxScripts per account. Default 64.
	MaxScripts int
	// MaxScriptSize in bytes. Default Compile.MaxScriptSize or 1 MiB.
	MaxScriptSize int
	// MaxTotalSize of all an account's scripts. Default 16 MiB.
	MaxTotalSize int
	// MaxNameLength of a script name in bytes. Default 255.
	MaxNameLength int
	// GlobalAccount holds the global scripts that ":global" includes
	// name (RFC 6609 section 3.2). Default "" (an account no user has).
	GlobalAccount string
	// CacheSize is the number of compiled scripts kept. Default 1024.
	CacheSize int
	// Logger receives storage events; nil discards them.
	Logger *slog.Logger
}

// ScriptInfo describes a stored script.
type ScriptInfo struct {
	Name   string
	Size   int
	Active bool
}

// Storage keeps each account's scripts in a store.KV, checks them when
// they are uploaded, and caches their compiled form by content hash, so
// that several nodes sharing one store each compile a script once.
type Storage struct {
	kv    store.KV
	opts  StorageOptions
	log   *slog.Logger
	mu    sync.Mutex
	cache map[[32]byte]*Script
}

// NewStorage returns a Storage on kv.
func NewStorage(kv store.KV, opts StorageOptions) *Storage {
	if opts.Compile == nil {
		opts.Compile = &Options{}
	}
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Storage{kv: kv, opts: opts, log: log, cache: map[[32]byte]*Script{}}
}

// Options returns the compile options of the storage.
func (s *Storage) Options() *Options { return s.opts.Compile }

func (s *Storage) maxScriptSize() int {
	if s.opts.MaxScriptSize > 0 {
		return s.opts.MaxScriptSize
	}
	return s.opts.Compile.maxScriptSize()
}

// ValidName checks a script name, RFC 5804 section 1.6: UTF-8 without
// control characters, not empty, at most MaxNameLength bytes.
func (s *Storage) ValidName(name string) bool {
	if name == "" || len(name) > orInt(s.opts.MaxNameLength, 255) ||
		!utf8.ValidString(name) {
		return false
	}
	for _, r := range name {
		if r < 0x20 || r == 0x7f || r >= 0x80 && r < 0xa0 || r == 0x2028 || r == 0x2029 {
			return false
		}
	}
	return true
}

func scriptKey(account, name string) []byte {
	return []byte(account + "\x00" + name)
}

// Check compiles src without storing it and returns the compile error,
// an *ErrorList for a faulty script. Warnings are returned either way.
func (s *Storage) Check(src string) ([]*Error, error) {
	if len(src) > s.maxScriptSize() {
		return nil, fmt.Errorf("check script: %w", ErrQuota)
	}
	sc, err := Compile("check", src, s.opts.Compile)
	if err != nil {
		return nil, err
	}
	return sc.Warnings, nil
}

// HaveSpace reports whether a script of size bytes may be stored under
// name, RFC 5804 section 2.3; it returns an error wrapping ErrQuota if not.
func (s *Storage) HaveSpace(ctx context.Context, account, name string, size int) error {
	if !s.ValidName(name) {
		return ErrBadName
	}
	if size > s.maxScriptSize() {
		return fmt.Errorf("script too large: %w", ErrQuota)
	}
	return s.kv.View(ctx, func(tx store.Tx) error {
		return s.quota(tx, account, name, size)
	})
}

func (s *Storage) quota(tx store.Tx, account, name string, size int) error {
	count, total := 0, size
	err := tx.Scan(spaceScripts, store.Prefix([]byte(account+"\x00")),
		func(k, v []byte) error {
			if string(k[len(account)+1:]) == name {
				return nil
			}
			count++
			total += len(v)
			return nil
		})
	if err != nil {
		return fmt.Errorf("scan scripts: %w", err)
	}
	if count+1 > orInt(s.opts.MaxScripts, 64) {
		return fmt.Errorf("too many scripts: %w", ErrQuota)
	}
	if total > orInt(s.opts.MaxTotalSize, 16<<20) {
		return fmt.Errorf("scripts too large: %w", ErrQuota)
	}
	return nil
}

// Put checks and stores a script, RFC 5804 section 2.6. A script that does
// not compile is not stored: the *ErrorList is returned with each error's
// line and column. Warnings of a stored script are returned.
func (s *Storage) Put(ctx context.Context, account, name, src string) ([]*Error, error) {
	if !s.ValidName(name) {
		return nil, ErrBadName
	}
	if len(src) > s.maxScriptSize() {
		return nil, fmt.Errorf("put script: %w", ErrQuota)
	}
	sc, err := Compile(name, src, s.opts.Compile)
	if err != nil {
		return nil, err
	}
	err = s.kv.Update(ctx, func(tx store.Tx) error {
		if err := s.quota(tx, account, name, len(src)); err != nil {
			return err
		}
		return tx.Put(spaceScripts, scriptKey(account, name), []byte(src))
	})
	if err != nil {
		return nil, fmt.Errorf("put script: %w", err)
	}
	s.remember(src, sc)
	s.log.Debug("sieve script stored", "account", account, "script", name)
	warnings := sc.Warnings
	// Included scripts may be uploaded later: problems are warnings here
	// and run-time errors at delivery.
	var el *ErrorList
	loader := s.Loader(account, s.opts.GlobalAccount)
	if errors.As(CheckIncludes(ctx, sc, loader, s.opts.Compile), &el) {
		for _, e := range el.Errors {
			warnings = append(warnings, &Error{Pos: e.Pos, Msg: e.Msg, Warning: true})
		}
	}
	return warnings, nil
}

// Get returns a script's source, RFC 5804 section 2.9.
func (s *Storage) Get(ctx context.Context, account, name string) (string, error) {
	var src string
	err := s.kv.View(ctx, func(tx store.Tx) error {
		v, err := tx.Get(spaceScripts, scriptKey(account, name))
		if errors.Is(err, store.ErrNotFound) {
			return ErrNoScript
		}
		src = string(v)
		return err
	})
	if err != nil {
		return "", fmt.Errorf("get script: %w", err)
	}
	return src, nil
}

// List returns the account's scripts sorted by name, RFC 5804 2.7.
func (s *Storage) List(ctx context.Context, account string) ([]ScriptInfo, error) {
	var out []ScriptInfo
	err := s.kv.View(ctx, func(tx store.Tx) error {
		active, err := activeName(tx, account)
		if err != nil {
			return err
		}
		return tx.Scan(spaceScripts, store.Prefix([]byte(account+"\x00")),
			func(k, v []byte) error {
				name := string(k[len(account)+1:])
				out = append(out, ScriptInfo{Name: name, Size: len(v),
					Active: name == active})
				return nil
			})
	})
	if err != nil {
		return nil, fmt.Errorf("list scripts: %w", err)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}

func activeName(tx store.Tx, account string) (string, error) {
	v, err := tx.Get(spaceActive, []byte(account))
	if errors.Is(err, store.ErrNotFound) {
		return "", nil
	}
	return string(v), err
}

// Delete removes a script; the active one cannot be deleted, RFC 5804
// section 2.10.
func (s *Storage) Delete(ctx context.Context, account, name string) error {
	err := s.kv.Update(ctx, func(tx store.Tx) error {
		if _, err := tx.Get(spaceScripts, scriptKey(account, name)); err != nil {
			if errors.Is(err, store.ErrNotFound) {
				return ErrNoScript
			}
			return err
		}
		active, err := activeName(tx, account)
		if err != nil {
			return err
		}
		if active == name {
			return ErrActiveScript
		}
		return tx.Delete(spaceScripts, scriptKey(account, name))
	})
	if err != nil {
		return fmt.Errorf("delete script: %w", err)
	}
	return nil
}

// Rename renames a script, keeping it active if it was, RFC 5804 2.11.1.
func (s *Storage) Rename(ctx context.Context, account, from, to string) error {
	if !s.ValidName(to) {
		return ErrBadName
	}
	err := s.kv.Update(ctx, func(tx store.Tx) error {
		v, err := tx.Get(spaceScripts, scriptKey(account, from))
		if errors.Is(err, store.ErrNotFound) {
			return ErrNoScript
		}
		if err != nil {
			return err
		}
		src := append([]byte(nil), v...)
		if _, err := tx.Get(spaceScripts, scriptKey(account, to)); err == nil {
			return ErrScriptExists
		}
		if err := tx.Delete(spaceScripts, scriptKey(account, from)); err != nil {
			return err
		}
		if err := tx.Put(spaceScripts, scriptKey(account, to), src); err != nil {
			return err
		}
		active, err := activeName(tx, account)
		if err != nil || active != from {
			return err
		}
		return tx.Put(spaceActive, []byte(account), []byte(to))
	})
	if err != nil {
		return fmt.Errorf("rename script: %w", err)
	}
	return nil
}

// Activate makes name the active script, or deactivates all when name is
// empty, RFC 5804 section 2.8.
func (s *Storage) Activate(ctx context.Context, account, name string) error {
	err := s.kv.Update(ctx, func(tx store.Tx) error {
		if name == "" {
			return tx.Delete(spaceActive, []byte(account))
		}
		if _, err := tx.Get(spaceScripts, scriptKey(account, name)); err != nil {
			if errors.Is(err, store.ErrNotFound) {
				return ErrNoScript
			}
			return err
		}
		return tx.Put(spaceActive, []byte(account), []byte(name))
	})
	if err != nil {
		return fmt.Errorf("activate script: %w", err)
	}
	return nil
}

// Active returns the compiled active script and its name; a nil script
// means none is active.
func (s *Storage) Active(ctx context.Context, account string) (*Script, string, error) {
	var name, src string
	err := s.kv.View(ctx, func(tx store.Tx) error {
		var err error
		name, err = activeName(tx, account)
		if err != nil || name == "" {
			return err
		}
		v, err := tx.Get(spaceScripts, scriptKey(account, name))
		if err != nil {
			return err
		}
		src = string(v)
		return nil
	})
	if err != nil {
		return nil, "", fmt.Errorf("load active script: %w", err)
	}
	if name == "" {
		return nil, "", nil
	}
	sc, err := s.compiled(name, src)
	return sc, name, err
}

// Compiled returns the compiled form of a stored script.
func (s *Storage) Compiled(ctx context.Context, account, name string) (*Script, error) {
	src, err := s.Get(ctx, account, name)
	if err != nil {
		return nil, err
	}
	return s.compiled(name, src)
}

func (s *Storage) compiled(name, src string) (*Script, error) {
	sum := sha256.Sum256([]byte(name + "\x00" + src))
	s.mu.Lock()
	sc := s.cache[sum]
	s.mu.Unlock()
	if sc != nil {
		return sc, nil
	}
	sc, err := Compile(name, src, s.opts.Compile)
	if err != nil {
		return nil, fmt.Errorf("compile script %s: %w", name, err)
	}
	s.remember(src, sc)
	return sc, nil
}

func (s *Storage) remember(src string, sc *Script) {
	sum := sha256.Sum256([]byte(sc.name + "\x00" + src))
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.cache) >= orInt(s.opts.CacheSize, 1024) {
		for k := range s.cache {
			delete(s.cache, k)
			break
		}
	}
	s.cache[sum] = sc
}

// AccountLoader returns the ScriptLoader for include (RFC 6609) in the
// account's scripts, with the storage's GlobalAccount for global ones.
func (s *Storage) AccountLoader(account string) ScriptLoader {
	return s.Loader(account, s.opts.GlobalAccount)
}

// Loader returns a ScriptLoader for include (RFC 6609): personal scripts
// are the account's, global scripts those of globalAccount.
func (s *Storage) Loader(account, globalAccount string) ScriptLoader {
	return &storageLoader{s: s, account: account, global: globalAccount}
}

type storageLoader struct {
	s       *Storage
	account string
	global  string
}

func (l *storageLoader) LoadScript(ctx context.Context, name string, global bool) (*Script, error) {
	acct := l.account
	if global {
		acct = l.global
	}
	sc, err := l.s.Compiled(ctx, acct, name)
	if errors.Is(err, ErrNoScript) {
		return nil, fmt.Errorf("load %s: %w", name, ErrScriptNotFound)
	}
	return sc, err
}

// MaxScriptSize returns the largest script the storage accepts.
func (s *Storage) MaxScriptSize() int { return s.maxScriptSize() }
