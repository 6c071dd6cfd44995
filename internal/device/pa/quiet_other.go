//go:build portaudio && cgo && !unix

package pa

// quietStderr does nothing where file descriptors cannot be redirected.
func quietStderr() func() { return func() {} }
