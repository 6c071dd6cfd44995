// Package browsertest runs vqspeak's demo page (package web) in a real,
// headless Chromium driven by chromedp: the page loads without a console
// error, the live path turns the fake microphone's clip into speech that
// STOI scores, and the file path decodes a .vqs file exactly as vqspeak
// decode does. It is a module of its own so that the main module neither
// needs Chromium for go test ./... nor gains chromedp as a dependency; the
// replace directive in go.mod points it at the checkout around it.
//
//	cd web/browsertest && go test -v        # -update rewrites docs/web.png
//
// Chromium comes from Debian (apt-get install chromium), or set
// VQSPEAK_CHROMIUM to another binary.
package browsertest
