module github.com/vqspeak/vqspeak/web/browsertest

go 1.26.8

require (
	github.com/chromedp/chromedp v0.23.1
	github.com/vqspeak/vqspeak v0.0.0
)

require (
	github.com/chromedp/cdproto v0.160.1 // indirect
	github.com/go-json-experiment/json v0.0.0-20260213210345-44df1a37e875 // indirect
	github.com/icza/bitio v1.1.0 // indirect
	github.com/klauspost/compress v1.20.4 // indirect
	github.com/mewkiz/flac v1.0.14 // indirect
	github.com/mewkiz/pkg v0.0.0-20250417130911-3f050ff8c56d // indirect
	github.com/mewpkg/term v0.0.0-20241026122259-37a80af23985 // indirect
	gonum.org/v1/gonum v0.17.0 // indirect
)

replace github.com/vqspeak/vqspeak => ../..
