package bfcl

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"
)

func init() { registerClass("GorillaFileSystem", newFileSystem) }

// fsFile is a file of GorillaFileSystem.
type fsFile struct{ name, content string }

// fsDir is a directory. Its contents keep their insertion order (a Python dict), and are
// shared by pointer where the Python class shares the dict (mv and cp of a directory).
type fsDir struct {
	name     string
	parent   *fsDir
	contents *fsContents
}

// fsContents is a directory's dict of names to *fsFile or *fsDir.
type fsContents struct {
	names []string
	items map[string]any
}

func newContents() *fsContents { return &fsContents{items: map[string]any{}} }

func (c *fsContents) has(name string) bool { _, ok := c.items[name]; return ok }

func (c *fsContents) set(name string, v any) {
	if !c.has(name) {
		c.names = append(c.names, name)
	}
	c.items[name] = v
}

func (c *fsContents) pop(name string) {
	delete(c.items, name)
	c.names = slices.DeleteFunc(c.names, func(n string) bool { return n == name })
}

// copy is dict.copy(): a new dict holding the same items.
func (c *fsContents) copy() *fsContents {
	n := &fsContents{names: slices.Clone(c.names), items: make(map[string]any, len(c.items))}
	for k, v := range c.items {
		n.items[k] = v
	}
	return n
}

func newDir(name string, parent *fsDir) *fsDir {
	return &fsDir{name: name, parent: parent, contents: newContents()}
}

// addFile and addDir are Directory._add_file and _add_directory, which raise on a taken name.
func (d *fsDir) addFile(name, content string) {
	if d.contents.has(name) {
		panic(pyError(fmt.Sprintf("File '%s' already exists in directory '%s'.", name, d.name)))
	}
	d.contents.set(name, &fsFile{name: name, content: content})
}

func (d *fsDir) addDir(name string) {
	if d.contents.has(name) {
		panic(pyError(fmt.Sprintf("Directory '%s' already exists in directory '%s'.", name, d.name)))
	}
	d.contents.set(name, newDir(name, d))
}

// item is Directory._get_item: "." is the directory itself.
func (d *fsDir) item(name string) any {
	if name == "." {
		return d
	}
	return d.contents.items[name]
}

// fileSystem is BFCL's GorillaFileSystem: a tree of directories and files under a root, a
// current directory, and shell-like methods that answer with dicts (an error is a dict with
// "error", not an exception).
type fileSystem struct {
	root, cwd   *fsDir
	longContext bool
	methods     methods
}

func newFileSystem() Class {
	fs := &fileSystem{root: newDir("/", nil)}
	fs.cwd = fs.root
	fs.methods = fs.table()
	return fs
}

// Load is _load_scenario: the scenario's root is {name: {"type": "directory", "contents":
// …}}; under long context every file not in FILES_TAIL_USED gets FILE_CONTENT_EXTENSION and
// every directory without subdirectories the files of POPULATE_FILE_EXTENSION.
func (fs *fileSystem) Load(scenario json.RawMessage, longContext bool) error {
	fs.longContext = longContext
	fs.root = newDir("/", nil)
	if len(scenario) > 0 {
		var sc struct {
			Root json.RawMessage `json:"root"`
		}
		if err := json.Unmarshal(scenario, &sc); err != nil {
			return fmt.Errorf("GorillaFileSystem: %w", err)
		}
		if len(sc.Root) > 0 {
			v, err := decodeOrdered(sc.Root)
			if err != nil {
				return fmt.Errorf("GorillaFileSystem: root: %w", err)
			}
			top, ok := v.(Dict)
			if !ok || len(top) == 0 {
				return fmt.Errorf("GorillaFileSystem: root is {name: directory}")
			}
			spec, _ := top[0].Value.(Dict)
			contents, _ := spec.get("contents").(Dict)
			root := newDir(top[0].Key, nil)
			if err := fs.loadDir(contents, root); err != nil {
				return err
			}
			fs.root = root
		}
	}
	fs.cwd = fs.root
	return nil
}

func (fs *fileSystem) loadDir(contents Dict, parent *fsDir) error {
	bottom := true
	for _, it := range contents {
		spec, ok := it.Value.(Dict)
		if !ok {
			return fmt.Errorf("GorillaFileSystem: %s is not an object", it.Key)
		}
		switch spec.get("type") {
		case "directory":
			bottom = false
			d := newDir(it.Key, parent)
			sub, _ := spec.get("contents").(Dict)
			if err := fs.loadDir(sub, d); err != nil {
				return err
			}
			parent.contents.set(it.Key, d)
		case "file":
			content, _ := spec.get("content").(string)
			if fs.longContext && !slices.Contains(longContext("FILES_TAIL_USED").([]any), any(it.Key)) {
				content += longContext("FILE_CONTENT_EXTENSION").(string)
			}
			parent.contents.set(it.Key, &fsFile{name: it.Key, content: content})
		}
	}
	if bottom && fs.longContext {
		var err error
		func() {
			defer func() {
				if r := recover(); r != nil {
					err = fmt.Errorf("GorillaFileSystem: %v", r)
				}
			}()
			for _, name := range longContext("POPULATE_FILE_EXTENSION").([]any) {
				parent.addFile(name.(string), "")
			}
		}()
		return err
	}
	return nil
}

// State is the public attributes: root (compared as Directory.__eq__ does: names and
// contents, recursively) and long_context.
func (fs *fileSystem) State() map[string]any {
	return map[string]any{"root": dirState(fs.root), "long_context": fs.longContext}
}

func dirState(d *fsDir) map[string]any {
	contents := map[string]any{}
	for _, n := range d.contents.names {
		switch x := d.contents.items[n].(type) {
		case *fsFile:
			contents[n] = map[string]any{"name": x.name, "content": x.content}
		case *fsDir:
			contents[n] = dirState(x)
		}
	}
	return map[string]any{"name": d.name, "contents": contents}
}

func (fs *fileSystem) Call(name string, a map[string]any) (any, error) {
	return fs.methods.call("GorillaFileSystem", name, a)
}

// validName is _validate_file_or_directory_name.
func validName(name string) bool { return !strings.ContainsAny(name, "|/\\?%*:\"><") }

// file returns the file called name in the current directory, nil when there is none.
func (fs *fileSystem) file(name string) *fsFile {
	if !fs.cwd.contents.has(name) {
		return nil
	}
	f, _ := fs.cwd.item(name).(*fsFile)
	return f
}

// navigate is _navigate_to_directory: nil with the error dict when a step is not a directory.
func (fs *fileSystem) navigate(path *string) (*fsDir, Dict) {
	if path == nil || *path == "." {
		return fs.cwd, nil
	}
	if *path == "/" {
		return fs.root, nil
	}
	d := fs.cwd
	if strings.HasPrefix(*path, "/") {
		d = fs.root
	}
	for _, step := range strings.Split(strings.Trim(*path, "/"), "/") {
		next, ok := d.item(step).(*fsDir)
		if !ok {
			return nil, dict("error", fmt.Sprintf("cd: '%s': No such file or directory", *path))
		}
		d = next
	}
	return d, nil
}

// splitLines is Python's str.splitlines.
func splitLines(s string) []string {
	var out []string
	for len(s) > 0 {
		i := strings.IndexAny(s, "\n\r\v\f\x1c\x1d\x1e\u0085\u2028\u2029")
		if i < 0 {
			out = append(out, s)
			break
		}
		out = append(out, s[:i])
		rest := s[i:]
		switch {
		case strings.HasPrefix(rest, "\r\n"):
			s = rest[2:]
		default:
			_, size := utf8.DecodeRuneInString(rest)
			s = rest[size:]
		}
	}
	return out
}

// strs returns l as a Python list of strings.
func strs(l []string) []any {
	out := make([]any, len(l))
	for i, s := range l {
		out[i] = s
	}
	return out
}

func (fs *fileSystem) table() methods {
	return methods{
		"pwd": {run: func(args) any {
			var path []string
			for d := fs.cwd; d != nil; d = d.parent {
				path = append(path, d.name)
			}
			slices.Reverse(path)
			return dict("current_working_directory", "/"+strings.Join(path, "/"))
		}},
		"ls": {params: []param{opt("a", false)}, run: func(a args) any {
			names := slices.Clone(fs.cwd.contents.names)
			if !a.boolean("a") {
				names = slices.DeleteFunc(names, func(n string) bool { return strings.HasPrefix(n, ".") })
			}
			return dict("current_directory_content", strs(names))
		}},
		"cd": {params: []param{req("folder")}, run: func(a args) any {
			folder := a.str("folder")
			if folder == ".." {
				switch {
				case fs.cwd.parent != nil:
					fs.cwd = fs.cwd.parent
				case fs.cwd == fs.root:
					return dict("error", "Cuurent directory is already the root. Cannot go back.")
				default:
					return dict("error", "cd: ..: No such directory")
				}
				return Dict{}
			}
			d, errd := fs.navigate(&folder)
			if errd != nil {
				return dict("error", fmt.Sprintf("cd: %s: No such directory. You cannot use path to change directory.", folder))
			}
			fs.cwd = d
			return dict("current_working_directory", d.name)
		}},
		"mkdir": {params: []param{req("dir_name")}, run: func(a args) any {
			n := a.str("dir_name")
			if !validName(n) {
				return dict("error", fmt.Sprintf("mkdir: cannot create directory '%s': Invalid character", n))
			}
			if fs.cwd.contents.has(n) {
				return dict("error", fmt.Sprintf("mkdir: cannot create directory '%s': File exists", n))
			}
			fs.cwd.addDir(n)
			return nil
		}},
		"touch": {params: []param{req("file_name")}, run: func(a args) any {
			n := a.str("file_name")
			if !validName(n) {
				return dict("error", fmt.Sprintf("touch: cannot touch '%s': Invalid character", n))
			}
			if fs.cwd.contents.has(n) {
				return dict("error", fmt.Sprintf("touch: cannot touch '%s': File exists", n))
			}
			fs.cwd.addFile(n, "")
			return nil
		}},
		"echo": {params: []param{req("content"), opt("file_name", nil)}, run: func(a args) any {
			content := a.str("content")
			n, ok := a.optStr("file_name")
			if !ok {
				return dict("terminal_output", content)
			}
			if !validName(n) {
				return dict("error", fmt.Sprintf("echo: cannot touch '%s': Invalid character", n))
			}
			if n == "" {
				return dict("terminal_output", content)
			}
			if fs.cwd.contents.has(n) {
				switch x := fs.cwd.item(n).(type) {
				case *fsFile:
					x.content = content
				default:
					panic(pyError("'Directory' object has no attribute '_write'"))
				}
			} else {
				fs.cwd.addFile(n, content)
			}
			return nil
		}},
		"cat": {params: []param{req("file_name")}, run: func(a args) any {
			n := a.str("file_name")
			if !validName(n) {
				return dict("error", fmt.Sprintf("cat: '%s': Invalid character", n))
			}
			if !fs.cwd.contents.has(n) {
				return dict("error", fmt.Sprintf("cat: %s: No such file or directory", n))
			}
			if f, ok := fs.cwd.item(n).(*fsFile); ok {
				return dict("file_content", f.content)
			}
			return dict("error", fmt.Sprintf("cat: %s: Is a directory", n))
		}},
		"find": {params: []param{opt("path", "."), opt("name", nil)}, run: func(a args) any {
			path := a.str("path")
			name, byName := a.optStr("name")
			matches := []any{}
			var walk func(d *fsDir, base string)
			walk = func(d *fsDir, base string) {
				for _, n := range d.contents.names {
					p := base + "/" + n
					if !byName || strings.Contains(n, name) {
						matches = append(matches, p)
					}
					if sub, ok := d.contents.items[n].(*fsDir); ok {
						walk(sub, p)
					}
				}
			}
			walk(fs.cwd, strings.TrimRight(path, "/"))
			return dict("matches", matches)
		}},
		"wc": {params: []param{req("file_name"), opt("mode", "l")}, run: func(a args) any {
			n, mode := a.str("file_name"), a.str("mode")
			if mode != "l" && mode != "w" && mode != "c" {
				return dict("error", fmt.Sprintf("wc: invalid mode '%s'", mode))
			}
			if f := fs.file(n); f != nil {
				switch mode {
				case "l":
					return dict("count", len(splitLines(f.content)), "type", "lines")
				case "w":
					return dict("count", len(strings.Fields(f.content)), "type", "words")
				default:
					return dict("count", len([]rune(f.content)), "type", "characters")
				}
			}
			return dict("error", fmt.Sprintf("wc: %s: No such file or directory", n))
		}},
		"sort": {params: []param{req("file_name")}, run: func(a args) any {
			n := a.str("file_name")
			if f := fs.file(n); f != nil {
				lines := splitLines(f.content)
				slices.SortFunc(lines, comparePy)
				return dict("sorted_content", strings.Join(lines, "\n"))
			}
			return dict("error", fmt.Sprintf("sort: %s: No such file or directory", n))
		}},
		"grep": {params: []param{req("file_name"), req("pattern")}, run: func(a args) any {
			n, pat := a.str("file_name"), a.str("pattern")
			if f := fs.file(n); f != nil {
				out := []any{}
				for _, l := range splitLines(f.content) {
					if strings.Contains(l, pat) {
						out = append(out, l)
					}
				}
				return dict("matching_lines", out)
			}
			return dict("error", fmt.Sprintf("grep: %s: No such file or directory", n))
		}},
		"du": {params: []param{opt("human_readable", false)}, run: func(a args) any {
			var size func(v any) int
			size = func(v any) int {
				switch x := v.(type) {
				case *fsFile:
					return len(x.content)
				case *fsDir:
					t := 0
					for _, n := range x.contents.names {
						t += size(x.contents.items[n])
					}
					return t
				}
				return 0
			}
			total := size(fs.cwd)
			if !a.boolean("human_readable") {
				return dict("disk_usage", fmt.Sprintf("%d bytes", total))
			}
			f := float64(total)
			for _, unit := range []string{"B", "KB", "MB", "GB", "TB"} {
				if f < 1024 {
					return dict("disk_usage", fmt.Sprintf("%.2f %s", f, unit))
				}
				f /= 1024
			}
			return dict("disk_usage", fmt.Sprintf("%.2f PB", f))
		}},
		"tail": {params: []param{req("file_name"), opt("lines", 10)}, run: func(a args) any {
			n := a.str("file_name")
			f := fs.file(n)
			if f == nil {
				return dict("error", fmt.Sprintf("tail: %s: No such file or directory", n))
			}
			lines := splitLines(f.content)
			k := a.integer("lines")
			if k > len(lines) {
				k = len(lines)
			}
			return dict("last_lines", strings.Join(pyTail(lines, k), "\n"))
		}},
		"diff": {params: []param{req("file_name1"), req("file_name2")}, run: func(a args) any {
			n1, n2 := a.str("file_name1"), a.str("file_name2")
			f1, f2 := fs.file(n1), fs.file(n2)
			if f1 == nil || f2 == nil {
				return dict("error", fmt.Sprintf("diff: %s or %s: No such file or directory", n1, n2))
			}
			l1, l2 := splitLines(f1.content), splitLines(f2.content)
			var out []string
			for i := 0; i < len(l1) && i < len(l2); i++ {
				if l1[i] != l2[i] {
					out = append(out, fmt.Sprintf("- %s\n+ %s", l1[i], l2[i]))
				}
			}
			return dict("diff_lines", strings.Join(out, "\n"))
		}},
		"mv": {params: []param{req("source"), req("destination")}, run: func(a args) any {
			return fs.moveOrCopy("mv", a.str("source"), a.str("destination"))
		}},
		"cp": {params: []param{req("source"), req("destination")}, run: func(a args) any {
			return fs.moveOrCopy("cp", a.str("source"), a.str("destination"))
		}},
		"rm": {params: []param{req("file_name")}, run: func(a args) any {
			n := a.str("file_name")
			if !fs.cwd.contents.has(n) {
				return dict("error", fmt.Sprintf("rm: cannot remove '%s': No such file or directory", n))
			}
			fs.cwd.contents.pop(n)
			return dict("result", fmt.Sprintf("'%s' removed", n))
		}},
		"rmdir": {params: []param{req("dir_name")}, run: func(a args) any {
			n := a.str("dir_name")
			if !fs.cwd.contents.has(n) {
				return dict("error", fmt.Sprintf("rmdir: cannot remove '%s': No such file or directory", n))
			}
			d, ok := fs.cwd.item(n).(*fsDir)
			if !ok {
				return dict("error", fmt.Sprintf("rmdir: cannot remove '%s': Not a directory", n))
			}
			if len(d.contents.names) > 0 {
				return dict("error", fmt.Sprintf("rmdir: failed to remove '%s': Directory not empty", n))
			}
			fs.cwd.contents.pop(n)
			return dict("result", fmt.Sprintf("'%s' removed", n))
		}},
	}
}

// pyTail is content[-k:] in Python: the whole list when k is 0.
func pyTail(l []string, k int) []string {
	if k <= 0 {
		if k == 0 {
			return l
		}
		k = -k
		if k >= len(l) {
			return nil
		}
		return l[k:]
	}
	return l[len(l)-k:]
}

// comparePy orders strings as Python does: by code point.
func comparePy(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	for i := 0; i < len(ra) && i < len(rb); i++ {
		if ra[i] != rb[i] {
			return int(ra[i]) - int(rb[i])
		}
	}
	return len(ra) - len(rb)
}

// moveOrCopy is mv and cp, which differ in their words, in whether the source stays, and in
// the check of a taken name inside the destination directory (cp checks "dest/source", a
// name no directory holds, so it raises from _add_file instead).
func (fs *fileSystem) moveOrCopy(op, src, dst string) Dict {
	verb, past := "move", "moved"
	if op == "cp" {
		verb, past = "copy", "copied"
	}
	if !fs.cwd.contents.has(src) {
		return dict("error", fmt.Sprintf("%s: cannot %s '%s': No such file or directory", op, verb, src))
	}
	item := fs.cwd.item(src)
	if strings.Contains(dst, "/") {
		if op == "mv" {
			return dict("error", "mv: no path allowed in destination. Only file name and folder name is supported for this operation.")
		}
		return dict("error", "cp: don't allow path in destination. Only file name and folder name is supported for this operation.")
	}
	place := func(into *fsDir, name string) {
		switch x := item.(type) {
		case *fsFile:
			into.addFile(name, x.content)
		case *fsDir:
			into.addDir(name)
			c := x.contents
			if op == "cp" {
				c = c.copy()
			}
			into.contents.items[name].(*fsDir).contents = c
		}
	}
	if fs.cwd.contents.has(dst) {
		dest, ok := fs.cwd.item(dst).(*fsDir)
		if !ok {
			return dict("error", fmt.Sprintf("%s: cannot %s '%s' to '%s': Not a directory", op, verb, src, dst))
		}
		if op == "mv" {
			if dest.contents.has(src) {
				return dict("error", fmt.Sprintf("mv: cannot move '%s' to '%s/%s': File exists", src, dst, src))
			}
			fs.cwd.contents.pop(src)
		}
		place(dest, src)
		return dict("result", fmt.Sprintf("'%s' %s to '%s/%s'", src, past, dst, src))
	}
	if op == "mv" {
		fs.cwd.contents.pop(src)
	}
	place(fs.cwd, dst)
	return dict("result", fmt.Sprintf("'%s' %s to '%s'", src, past, dst))
}

// Methods lists the public methods, sorted.
func (fs *fileSystem) Methods() []string { return fs.methods.names() }

// Params lists a method's parameters in signature order (positional arguments bind to them).
func (fs *fileSystem) Params(method string) []string { return fs.methods.paramNames(method) }
