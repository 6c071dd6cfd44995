package rvq_test

import (
	"fmt"
	"math/rand/v2"

	"github.com/vqspeak/vqspeak/rvq"
)

func Example() {
	// 2000 two-dimensional vectors around four points.
	r := rand.New(rand.NewPCG(1, 2))
	centres := [][2]float32{{0, 0}, {10, 0}, {0, 10}, {10, 10}}
	data := make([]float32, 0, 4000)
	for i := 0; i < 2000; i++ {
		c := centres[i%4]
		data = append(data, c[0]+float32(r.NormFloat64()), c[1]+float32(r.NormFloat64()))
	}
	cb, _, err := rvq.Train(data, 2, rvq.TrainOptions{Stages: 2, Size: 4, Seed: 1, Normalize: true})
	if err != nil {
		fmt.Println(err)
		return
	}
	s := rvq.NewSearcher(cb, 4)
	idx := make([]int, 2)
	s.Encode(idx, []float32{10.2, 9.9}, 1) // one stage: nearest cluster centre
	x, _ := cb.Decode(nil, idx[:1])
	fmt.Printf("%.0f %.0f\n", x[0], x[1])
	// Output: 10 10
}

func ExampleTrainMiniBatch() {
	// The data of Example, seen through a VectorSource: TrainMiniBatch
	// reads it 500 vectors at a time, as it would read a file too large
	// for memory.
	r := rand.New(rand.NewPCG(1, 2))
	centres := [][2]float32{{0, 0}, {10, 0}, {0, 10}, {10, 10}}
	data := make([]float32, 0, 4000)
	for i := 0; i < 2000; i++ {
		c := centres[i%4]
		data = append(data, c[0]+float32(r.NormFloat64()), c[1]+float32(r.NormFloat64()))
	}
	src := rvq.SliceSource{Data: data, Dim: 2}
	cb, rep, err := rvq.TrainMiniBatch(src, 2, rvq.TrainOptions{Stages: 2, Size: 4, Seed: 1, BatchSize: 500})
	if err != nil {
		fmt.Println(err)
		return
	}
	s := rvq.NewSearcher(cb, 4)
	idx := make([]int, 2)
	s.Encode(idx, []float32{10.2, 9.9}, 1)
	x, _ := cb.Decode(nil, idx[:1])
	fmt.Printf("%d vectors; nearest centre %.0f %.0f\n", rep.Vectors, x[0], x[1])
	// Output: 2000 vectors; nearest centre 10 10
}
