//go:build portaudio && cgo && unix

package pa

/*
#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>

// quiet_begin points file descriptor 2 at /dev/null and returns a copy of
// the old one, or -1 if it could not.
static int quiet_begin(void) {
	fflush(stderr);
	int saved = dup(2);
	if (saved < 0) return -1;
	int null = open("/dev/null", O_WRONLY);
	if (null < 0) { close(saved); return -1; }
	dup2(null, 2);
	close(null);
	return saved;
}

static void quiet_end(int saved) {
	if (saved < 0) return;
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
}
*/
import "C"

import "os"

// quietStderr silences the process's standard error until the returned
// func is called: probing the audio system, ALSA and JACK print dozens of
// lines about devices that are not there, which say nothing to a user who
// asked for the default device. VQSPEAK_AUDIO_DEBUG=1 keeps them.
func quietStderr() func() {
	if os.Getenv("VQSPEAK_AUDIO_DEBUG") != "" {
		return func() {}
	}
	saved := C.quiet_begin()
	return func() { C.quiet_end(saved) }
}
