// Package web is vqspeak's demo page: static files (embedded), the codec
// compiled to WebAssembly (package web/wasm, built by Build with the Go
// toolchain) and an http.Handler that serves them, for "vqspeak web".
// The page's live path runs in package web/demo.
package web

import (
	"bytes"
	"compress/gzip"
	"context"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"
)

//go:embed static
var static embed.FS

// Module is the import path of the module whose web/wasm Build compiles.
const Module = "github.com/vqspeak/vqspeak"

// Assets are the two files the page needs besides its static ones: the
// codec compiled to WebAssembly and the wasm_exec.js of the Go release
// that compiled it (the two must match).
type Assets struct {
	WASM, WASMExec []byte
}

// Handler serves the page at / with the assets as /vqspeak.wasm and
// /wasm_exec.js. The .wasm goes gzip-compressed to browsers that accept it
// (a third of its size).
func Handler(a Assets) http.Handler {
	sub, err := fs.Sub(static, "static")
	if err != nil {
		panic(err) // the embedded tree always has static/
	}
	files := http.FileServerFS(sub)
	modified := time.Now()
	serve := func(name string, b []byte) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Cache-Control", "no-cache")
			http.ServeContent(w, r, name, modified, bytes.NewReader(b))
		}
	}
	var gz bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&gz, gzip.BestCompression) // a valid level: no error
	zw.Write(a.WASM)                                        // into memory: no error
	zw.Close()
	wasm, wasmGzip := serve("vqspeak.wasm", a.WASM), serve("vqspeak.wasm", gz.Bytes())
	mux := http.NewServeMux()
	mux.Handle("GET /vqspeak.wasm", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Add("Vary", "Accept-Encoding")
		if !strings.Contains(r.Header.Get("Accept-Encoding"), "gzip") {
			wasm(w, r)
			return
		}
		w.Header().Set("Content-Encoding", "gzip")
		w.Header().Set("Content-Type", "application/wasm")
		wasmGzip(w, r)
	}))
	mux.Handle("GET /wasm_exec.js", serve("wasm_exec.js", a.WASMExec))
	mux.Handle("GET /", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "no-cache")
		files.ServeHTTP(w, r)
	}))
	return mux
}

// ErrNoGo means the go command was not found: Build needs it.
var ErrNoGo = errors.New("web: the go command is not in PATH; the WebAssembly module is built with it (install Go from https://go.dev/dl)")

// Build compiles package web/wasm of the module source in srcDir with
// GOOS=js GOARCH=wasm and reads wasm_exec.js from the same Go release.
// The go command's build cache makes every build after the first quick.
func Build(ctx context.Context, srcDir string) (Assets, error) {
	goCmd, err := exec.LookPath("go")
	if err != nil {
		return Assets{}, ErrNoGo
	}
	tmp, err := os.MkdirTemp("", "vqspeak-web")
	if err != nil {
		return Assets{}, err
	}
	defer os.RemoveAll(tmp)
	out := filepath.Join(tmp, "vqspeak.wasm")
	cmd := exec.CommandContext(ctx, goCmd, "build", "-trimpath", "-ldflags=-s -w", "-o", out, "./web/wasm")
	cmd.Dir = srcDir
	cmd.Env = append(os.Environ(), "GOOS=js", "GOARCH=wasm")
	if msg, err := cmd.CombinedOutput(); err != nil {
		return Assets{}, fmt.Errorf("web: building the WebAssembly module in %s: %w\n%s", srcDir, err, msg)
	}
	var a Assets
	if a.WASM, err = os.ReadFile(out); err != nil {
		return Assets{}, err
	}
	root, err := exec.CommandContext(ctx, goCmd, "env", "GOROOT").Output()
	if err != nil {
		return Assets{}, fmt.Errorf("web: go env GOROOT: %w", err)
	}
	goroot := strings.TrimSpace(string(root))
	for _, p := range []string{"lib/wasm/wasm_exec.js", "misc/wasm/wasm_exec.js"} { // Go 1.24 moved it to lib/
		if a.WASMExec, err = os.ReadFile(filepath.Join(goroot, p)); err == nil {
			return a, nil
		}
	}
	return Assets{}, fmt.Errorf("web: wasm_exec.js not found in %s: %w", goroot, err)
}

// SourceDir finds the module's source for Build: the enclosing checkout of
// dir when there is one, else the module cache's copy of version (which the
// go command downloads, as go install did). version is the running
// binary's module version; "" or "(devel)" allows only a checkout.
func SourceDir(ctx context.Context, dir, version string) (string, error) {
	for d := dir; ; d = filepath.Dir(d) {
		if b, err := os.ReadFile(filepath.Join(d, "go.mod")); err == nil {
			if first, _, _ := strings.Cut(string(b), "\n"); strings.TrimSpace(first) == "module "+Module {
				return d, nil
			}
		}
		if filepath.Dir(d) == d {
			break
		}
	}
	if version == "" || version == "(devel)" {
		return "", fmt.Errorf("web: %s is not inside a checkout of %s, and this vqspeak was built from one: run vqspeak web from the checkout", dir, Module)
	}
	goCmd, err := exec.LookPath("go")
	if err != nil {
		return "", ErrNoGo
	}
	cmd := exec.CommandContext(ctx, goCmd, "mod", "download", "-json", Module+"@"+version)
	cmd.Dir = os.TempDir() // outside any module
	out, err := cmd.Output()
	if err != nil {
		return "", fmt.Errorf("web: go mod download %s@%s: %w", Module, version, err)
	}
	var info struct{ Dir, Error string }
	if err := json.Unmarshal(out, &info); err != nil || info.Dir == "" {
		return "", fmt.Errorf("web: go mod download %s@%s: %s", Module, version, info.Error)
	}
	return info.Dir, nil
}
