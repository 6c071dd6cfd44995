// Package browsertest runs vqspeak's demo page (package web) in a real,
// headless Chromium driven by chromedp. It starts vqspeak web as a user
// would and checks that the page loads without a console error and shows
// the codebook fingerprint, that the WebAssembly binding allocates nothing
// on the Go heap per packet and reports errors as exceptions, that the
// live path turns the fake microphone's clip into speech that STOI scores
// (and conceals loss set from the page), and that the file path encodes a
// WAV and a FLAC and decodes a .vqs exactly as vqspeak encode and decode
// do. It is a module of its own so that the main module neither needs
// Chromium for go test ./... nor gains chromedp as a dependency; the
// replace directive in go.mod points it at the checkout around it.
//
//	cd web/browsertest && go test -v        # -update rewrites docs/web.png
//
// Chromium comes from Debian (apt-get install chromium), or set
// VQSPEAK_CHROMIUM to another binary.
package browsertest
