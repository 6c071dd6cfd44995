package compact

// With VQSPEAK_TRAIN naming the training corpus (corpus/train, 917 files),
// go generate rewrites tables_v2.go byte for byte as long as the
// default codebook and the encoder are unchanged. When it does not, keep
// the tables of set 2 as they are: a better code is a new set.
//
//go:generate go run ./internal/gencompact -set 2 -o tables_v2.go $VQSPEAK_TRAIN

// Static Huffman tables of compact blocks, table set 1, for 10-bit codebook
// indices. Each is a Huffman tree description in the format of RFC 8878
// section 4.2.1 (what huff0.ReadTable reads), so the bytes alone define the
// code: encoder and decoder rebuild the same code from them whatever
// version of the compressor library is linked in. They were trained on
// 1316 s of the training corpus (150 files) encoded with the default
// codebook, with one extra count for every symbol so that any value can be
// coded. Never change a table of a published set: add a new set instead.
//
// That codebook predates envelope prediction, and no code in the repository
// regenerates set 1; codec/vqs/compact/internal/gencompact trains set 2 and later ones
// (see the go:generate line above).
var tablesV1 = [numStreamKinds]string{
	// F0 delta (7-bit symbols)
	"\x28\x10\x50\x2a\x01\x50\x00\x9b\x77\x57\x38\x5e\x8b\xd7\xa7\xe0\x05\x10\x00\x00\x00\x00\x00\x99\x99\x69\xb3\xc6\x09\x33\xf0\x9b\xa7\xe6\xa9\xd1\x91\xff\x77\xbe\x75",
	// voicing delta (3-bit symbols)
	"\x86\x53\x21\x12\x20",
	// energy delta (6-bit symbols)
	"\x1d\x10\x30\xe9\x88\x28\x05\x49\x96\x8c\xd8\xec\x3c\xee\x4c\x8c\xb5\xe1\x21\x21\x70\xfa\x99\x1b\x43\x41\xdb\xb6\x4c\x3f",
	// mid F0 (3-bit symbols)
	"\x86\x11\x25\x64\x20",
	// mid voicing delta (2-bit symbols)
	"\x82\x31\x10",
	// mid energy (3-bit symbols)
	"\x86\x11\x24\x52\x10",
	// stage 1 index delta, low byte (8-bit symbols)
	"\x27\x10\x80\xbe\x03\x53\x52\xe5\x9a\x87\xe2\x44\xd9\x20\xe5\xfe\x2f\x09\xd1\x19\x72\xc0\x73\x0f\x6a\x47\x84\x4d\xd8\x83\xc4\x36\x11\xb6\x9d\x31\x64\x8d\xc6\x0f",
}
