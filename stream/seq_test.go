package stream

import "testing"

func TestUnwrapper(t *testing.T) {
	tests := []struct {
		name string
		bits uint
		in   []uint32
		want []int64
	}{
		{"in order", 16, []uint32{10, 11, 12}, []int64{10, 11, 12}},
		{"wrap forward", 16, []uint32{65534, 65535, 0, 1}, []int64{65534, 65535, 65536, 65537}},
		{"reordered across the wrap", 16, []uint32{65535, 1, 0, 65534, 2}, []int64{65535, 65537, 65536, 65534, 65538}},
		{"late before the first", 16, []uint32{0, 65535, 1}, []int64{0, -1, 1}},
		{"half range ahead", 16, []uint32{0, 32767, 32768}, []int64{0, 32767, 32768}},
		{"two wraps", 16, []uint32{0, 30000, 60000, 24464, 54464}, []int64{0, 30000, 60000, 90000, 120000}},
		{"32-bit timestamps", 32, []uint32{4294967040, 0, 320, 4294967200}, []int64{4294967040, 4294967296, 4294967616, 4294967200}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			u := newUnwrapper(tc.bits)
			for i, v := range tc.in {
				if got := u.unwrap(v); got != tc.want[i] {
					t.Fatalf("value %d (%d): got %d, want %d", i, v, got, tc.want[i])
				}
			}
		})
	}
}
