package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"net"
	"net/http"
	"os"
	"runtime/debug"
	"time"

	"github.com/vqspeak/vqspeak/web"
)

// issue 15: the codec in the browser.
func init() {
	register(&command{
		name: "web",
		args: "[-listen ADDR]",
		summary: "serve a demo page that runs the codec in the browser (WebAssembly): live microphone → codec → speakers, and files\n" +
			"The WebAssembly module is built at start with the go command (about 30 s the first time, seconds after that).",
		flags: func(fs *flag.FlagSet) {
			fs.String("listen", "127.0.0.1:8080", "`ADDR` to serve on; browsers allow the microphone only on localhost or over HTTPS")
		},
		run: runWeb,
	})
}

func runWeb(e *env, fs *flag.FlagSet, args []string) error {
	if len(args) != 0 {
		return usagef("takes no arguments, only flags")
	}
	wd, err := os.Getwd()
	if err != nil {
		return err
	}
	version := ""
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Path == web.Module {
		version = bi.Main.Version
	}
	src, err := web.SourceDir(e.ctx, wd, version)
	if err != nil {
		return err
	}
	e.infof("web: building the WebAssembly module (GOOS=js GOARCH=wasm go build ./web/wasm in %s)…\n", src)
	start := time.Now()
	assets, err := web.Build(e.ctx, src)
	if err != nil {
		if e.ctx.Err() != nil {
			return errInterrupted
		}
		return err
	}
	e.infof("web: built in %.1f s, %.1f MB\n", time.Since(start).Seconds(), float64(len(assets.WASM))/1e6)
	ln, err := net.Listen("tcp", stringFlag(fs, "listen"))
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: web.Handler(assets), ReadHeaderTimeout: 10 * time.Second}
	fmt.Fprintf(e.stdout, "serving the vqspeak demo on http://%s/ (Ctrl-C to stop)\n", ln.Addr())
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ln) }()
	select {
	case err := <-done:
		return err
	case <-e.ctx.Done():
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	if err := srv.Shutdown(ctx); err != nil && !errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	return nil // stopping the server is how it ends, as for receive
}
