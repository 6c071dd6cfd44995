package web

import (
	"bytes"
	"compress/gzip"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
)

// TestHandler: the page, its scripts and both assets are served, the .wasm
// gzip-compressed when the browser accepts it.
func TestHandler(t *testing.T) {
	wasm := bytes.Repeat([]byte("\x00asm wasm bytes "), 1000)
	h := Handler(Assets{WASM: wasm, WASMExec: []byte("// wasm_exec")})
	get := func(path, enc string) *http.Response {
		r := httptest.NewRequest("GET", path, nil)
		if enc != "" {
			r.Header.Set("Accept-Encoding", enc)
		}
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		return w.Result()
	}
	for _, tc := range []struct{ path, typ, has string }{
		{"/", "text/html", "vqspeak.js"},
		{"/app.js", "javascript", "vqspeakTest"},
		{"/worklet.js", "javascript", "registerProcessor"},
		{"/wasm_exec.js", "javascript", "// wasm_exec"},
		{"/vqspeak.wasm", "application/wasm", "\x00asm"},
	} {
		res := get(tc.path, "")
		body, _ := io.ReadAll(res.Body)
		if res.StatusCode != 200 || !strings.Contains(res.Header.Get("Content-Type"), tc.typ) || !bytes.Contains(body, []byte(tc.has)) {
			t.Errorf("%s: %d %q, %d bytes", tc.path, res.StatusCode, res.Header.Get("Content-Type"), len(body))
		}
	}
	res := get("/vqspeak.wasm", "gzip, deflate, br")
	if res.Header.Get("Content-Encoding") != "gzip" || res.Header.Get("Content-Type") != "application/wasm" {
		t.Fatalf("gzip: headers %v", res.Header)
	}
	zr, err := gzip.NewReader(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	if got, _ := io.ReadAll(zr); !bytes.Equal(got, wasm) {
		t.Error("gzip: the .wasm does not decompress to itself")
	}
	if res := get("/nothing.js", ""); res.StatusCode != 404 {
		t.Errorf("/nothing.js: %d", res.StatusCode)
	}
}

// TestSourceDir: the checkout is found from inside it; outside one, a
// development build has nowhere to build from and says so.
func TestSourceDir(t *testing.T) {
	static, _ := filepath.Abs("static")
	dir, err := SourceDir(t.Context(), static, "(devel)")
	if err != nil || dir != filepath.Dir(filepath.Dir(static)) {
		t.Fatalf("from web/static: %q, %v", dir, err)
	}
	if _, err := SourceDir(t.Context(), t.TempDir(), "(devel)"); err == nil || !strings.Contains(err.Error(), "checkout") {
		t.Errorf("outside a checkout: %v", err)
	}
}
