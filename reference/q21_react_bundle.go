package reference

import (
	"bytes"
	"context"
	"embed"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"time"
)

// reactSources is Q21's React code: the hook, the status component, the
// demo app and its entry point, and the broken copies of the hook.
//
//go:embed react/*.js react/*.jsx react/index.html react/variants/*.js
var reactSources embed.FS

// q21Bundles caches the bundle of each variant ("" is the correct hook):
// esbuild takes a fraction of a second, but every page load asks.
var q21Bundles struct {
	sync.Mutex
	js map[string][]byte
}

// q21Bundle returns reference/react/main.jsx bundled with React and
// socket.io-client for the browser, the hook replaced by
// react/variants/<variant>.js when variant is not "".
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
	b, err := reactSources.ReadFile("react/variants/" + variant + ".js")
	if err != nil {
		return fmt.Errorf("q21: no broken copy of the hook for variant %q: %w", variant, err)
	}
	return os.WriteFile(filepath.Join(dir, "useSocket.js"), b, 0o644)
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
