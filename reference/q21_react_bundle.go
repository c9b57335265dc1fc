package reference

import (
	"bytes"
	"context"
	"crypto/sha256"
	"embed"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing/fstest"
	"time"

	"rtlab/internal/pageedit"
)

// reactSources is Q21's React code: the hook, the status component, the
// demo app and its entry point, and the broken copies of the hook, each an
// edit file of the hook (internal/pageedit).
//
//go:embed react/*.js react/*.jsx react/index.html react/variants/*.yaml react/harness/*
var reactSources embed.FS

// q21Bundles caches the bundle of each variant ("" is the correct hook):
// esbuild takes a fraction of a second, but every page load asks.
var q21Bundles struct {
	sync.Mutex
	js map[string][]byte
}

// q21Bundle returns reference/react/main.jsx bundled with React and
// socket.io-client for the browser, the hook replaced by the one
// react/variants/<variant>.yaml makes when variant is not "".
//
// It runs esbuild from the npm packages pinned in testdata/node (esbuild,
// react, react-dom, socket.io-client), found from the working directory
// upwards or in RTLAB_NODE_MODULES: nothing is fetched at run time. React
// is bundled in its development build (NODE_ENV=development), the one in
// which <StrictMode> mounts every component twice; that double mount is
// what the page exists to show.
func q21Bundle(ctx context.Context, variant string) ([]byte, error) {
	q21Bundles.Lock()
	defer q21Bundles.Unlock()
	if js, ok := q21Bundles.js[variant]; ok {
		return js, nil
	}
	modules, err := findNodeModules()
	if err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp("", "rtlab-q21-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	if err := writeReactSources(dir, variant); err != nil {
		return nil, err
	}

	ctx, cancel := context.WithTimeout(ctx, 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, filepath.Join(modules, ".bin", "esbuild"), "main.jsx",
		"--bundle", "--format=iife", "--target=es2020",
		"--jsx=automatic", "--jsx-dev",
		`--define:process.env.NODE_ENV="development"`,
		"--log-level=warning")
	cmd.Dir = dir
	// The sources are in a temporary folder; NODE_PATH lets esbuild find
	// the packages there as Node.js would.
	cmd.Env = append(os.Environ(), "NODE_PATH="+modules)
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	if err := cmd.Run(); err != nil {
		return nil, fmt.Errorf("q21: esbuild: %v\n%s", err, errOut.String())
	}
	if q21Bundles.js == nil {
		q21Bundles.js = map[string][]byte{}
	}
	q21Bundles.js[variant] = out.Bytes()
	return out.Bytes(), nil
}

// writeReactSources copies the embedded react folder into dir, with the
// variant's copy of the hook in place of useSocket.js.
func writeReactSources(dir, variant string) error {
	entries, err := fs.ReadDir(reactSources, "react")
	if err != nil {
		return err
	}
	for _, e := range entries {
		if e.IsDir() {
			continue
		}
		b, err := reactSources.ReadFile("react/" + e.Name())
		if err != nil {
			return err
		}
		if err := os.WriteFile(filepath.Join(dir, e.Name()), b, 0o644); err != nil {
			return err
		}
	}
	if variant == "" {
		return nil
	}
	b, err := reactVariant(variant)
	if err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, "useSocket.js"), b, 0o644)
}

// reactVariant returns the broken copy of the hook that
// react/variants/<variant>.yaml makes of its base, a file of the react
// folder named from the root of the repository.
func reactVariant(variant string) ([]byte, error) {
	name := "react/variants/" + variant + ".yaml"
	src, err := reactSources.ReadFile(name)
	if err != nil {
		return nil, fmt.Errorf("q21: no broken copy of the hook for variant %q: %w", variant, err)
	}
	f, err := pageedit.Parse(name, src)
	if err != nil {
		return nil, err
	}
	base, err := reactSources.ReadFile(strings.TrimPrefix(f.Base, "reference/"))
	if err != nil {
		return nil, fmt.Errorf("%s: base: %w", name, err)
	}
	return f.Apply(base)
}

// findNodeModules finds testdata/node/node_modules with esbuild, react and
// react-dom installed, from the working directory upwards, or takes
// RTLAB_NODE_MODULES.
func findNodeModules() (string, error) {
	need := []string{".bin/esbuild", "react/package.json", "react-dom/package.json", "socket.io-client/package.json"}
	complete := func(d string) bool {
		for _, n := range need {
			if _, err := os.Stat(filepath.Join(d, n)); err != nil {
				return false
			}
		}
		return true
	}
	if d := os.Getenv("RTLAB_NODE_MODULES"); d != "" {
		if complete(d) {
			return d, nil
		}
		return "", fmt.Errorf("q21: RTLAB_NODE_MODULES=%s lacks one of %s", d, strings.Join(need, ", "))
	}
	wd, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for d := wd; ; d = filepath.Dir(d) {
		if m := filepath.Join(d, "testdata", "node", "node_modules"); complete(m) {
			return m, nil
		}
		if filepath.Dir(d) == d {
			break
		}
	}
	return "", fmt.Errorf("q21: the React page needs esbuild, react and react-dom from npm: run `npm ci` in testdata/node of the rtlab checkout (make node), or set RTLAB_NODE_MODULES")
}

// ReactAnswerBuildError is an answer to Q21 that esbuild could not bundle
// (a syntax error, an import it cannot resolve): the student's mistake,
// which the grader reports as the checks' failure.
type ReactAnswerBuildError struct {
	// File is the answer's path.
	File string
	// Output is what esbuild printed.
	Output string
}

func (e *ReactAnswerBuildError) Error() string {
	return fmt.Sprintf("%s does not build: %s", e.File, strings.TrimSpace(e.Output))
}

// answerBundles caches the harness pages built by ReactAnswerPage, by the
// answer's path and content: the checks of one answer, and the tests
// that grade the same file again, build it once.
var answerBundles struct {
	sync.Mutex
	pages map[string][]byte
}

// ReactAnswerPage builds the page the grader runs a Q21 answer in
// (clients.md, Q21): file, one ES module (JSX allowed) whose default
// export is a component taking a url prop, bundled by the pinned esbuild
// with react, react-dom and socket.io-client from testdata/node, in
// React's development build, into react/harness/main.jsx, which mounts
// <Component url={server} /> inside <StrictMode> under a #toggle button.
// socket.io-client is replaced, for the answer, by react/harness/socketio.js,
// which records every socket it makes.
//
// It returns the page's files: index.html and app.js. An answer esbuild
// rejects is a *ReactAnswerBuildError; missing npm packages are an error
// of the grader's machine.
func ReactAnswerPage(ctx context.Context, file string) (fs.FS, error) {
	abs, err := filepath.Abs(file)
	if err != nil {
		return nil, err
	}
	src, err := os.ReadFile(abs)
	if err != nil {
		return nil, err
	}
	return reactAnswerPage(ctx, abs, fmt.Sprintf("%s\x00%x", abs, sha256.Sum256(src)))
}

// ReactReferencePage is ReactAnswerPage for the reference answer,
// react/q21_react.jsx.
func ReactReferencePage(ctx context.Context) (fs.FS, error) {
	src, err := reactSources.ReadFile("react/q21_react.jsx")
	if err != nil {
		return nil, err
	}
	key := fmt.Sprintf("reference\x00%x", sha256.Sum256(src))
	answerBundles.Lock()
	_, cached := answerBundles.pages[key]
	answerBundles.Unlock()
	if cached {
		return reactAnswerPage(ctx, "", key)
	}
	dir, err := os.MkdirTemp("", "rtlab-q21-reference-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	abs := filepath.Join(dir, "q21.jsx")
	if err := os.WriteFile(abs, src, 0o644); err != nil {
		return nil, err
	}
	return reactAnswerPage(ctx, abs, key)
}

// reactAnswerPage returns the page of the answer at abs, from the cache
// when key is there.
func reactAnswerPage(ctx context.Context, abs, key string) (fs.FS, error) {
	index, err := reactSources.ReadFile("react/harness/index.html")
	if err != nil {
		return nil, err
	}
	answerBundles.Lock()
	defer answerBundles.Unlock()
	js, ok := answerBundles.pages[key]
	if !ok {
		if js, err = bundleAnswer(ctx, abs); err != nil {
			return nil, err
		}
		if answerBundles.pages == nil {
			answerBundles.pages = map[string][]byte{}
		}
		answerBundles.pages[key] = js
	}
	return fstest.MapFS{
		"index.html": {Data: index, Mode: 0o644},
		"app.js":     {Data: js, Mode: 0o644},
	}, nil
}

// bundleAnswer runs esbuild on the harness with the answer at abs.
func bundleAnswer(ctx context.Context, abs string) ([]byte, error) {
	modules, err := findNodeModules()
	if err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp("", "rtlab-q21-answer-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	for _, name := range []string{"main.jsx", "socketio.js"} {
		b, err := reactSources.ReadFile("react/harness/" + name)
		if err != nil {
			return nil, err
		}
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
			return nil, err
		}
	}
	ctx, cancel := context.WithTimeout(ctx, 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, filepath.Join(modules, ".bin", "esbuild"), filepath.Join(dir, "main.jsx"),
		"--bundle", "--format=iife", "--target=es2020",
		"--jsx=automatic", "--jsx-dev", "--loader:.js=jsx",
		`--define:process.env.NODE_ENV="development"`,
		"--alias:rtlab-q21-answer="+abs,
		"--alias:socket.io-client="+filepath.Join(dir, "socketio.js"),
		"--alias:rtlab-real-socket.io-client="+filepath.Join(modules, "socket.io-client", "build", "esm", "index.js"),
		"--log-level=error", "--color=false")
	// From the answer's folder, esbuild names its files as the student
	// knows them ("q21.jsx:12:4") in its errors.
	cmd.Dir = filepath.Dir(abs)
	// The answer sits in the student's folder, without node_modules:
	// NODE_PATH lets esbuild find react and socket.io-client as Node.js
	// would.
	cmd.Env = append(os.Environ(), "NODE_PATH="+modules)
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	if err := cmd.Run(); err != nil {
		if ctx.Err() != nil {
			return nil, fmt.Errorf("q21: esbuild: %w", ctx.Err())
		}
		if _, ok := err.(*exec.ExitError); ok {
			return nil, &ReactAnswerBuildError{File: abs, Output: errOut.String()}
		}
		return nil, fmt.Errorf("q21: esbuild: %v", err)
	}
	return out.Bytes(), nil
}
