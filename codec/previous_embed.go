//go:build !js

package codec

import _ "embed"

// The earlier default codebooks and their envelope models (previous.go).
var (
	//go:embed previous-ed26e075.vqcb
	previousCodebookED26 []byte
	//go:embed previous-ed26e075.vqem
	previousEnvModelED26 []byte
)
