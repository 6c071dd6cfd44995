package corpus

import (
	"context"
	"fmt"
	"sync"

	"github.com/vqspeak/vqspeak/codec"
)

// Vectors computes the envelope vectors of every file on workers
// goroutines and returns them concatenated in file order (so the result does
// not depend on the number of cores). Each file's audio is dropped as soon
// as its vectors are computed and each file's vectors as soon as they are
// appended, so memory follows the vectors, not the audio.
func Vectors(ctx context.Context, files []string, workers int, progress func(done, total int)) ([]float32, float64, error) {
	var out []float32
	secs, err := StreamVectors(ctx, files, workers, progress, func(v []float32) error {
		out = append(out, v...)
		return nil
	})
	return out, secs, err
}

// StreamVectors computes the envelope vectors of every file on workers
// goroutines and hands each file's vectors to sink in file order, so that
// neither the result nor the order depends on the number of cores. It calls
// progress (if not nil) as each file is done and returns the seconds of
// audio analysed; a cancelled ctx makes it return at once, without waiting
// for the files being analysed.
func StreamVectors(ctx context.Context, files []string, workers int, progress func(done, total int), sink func([]float32) error) (float64, error) {
	vectors := func(x []float32) ([]float32, error) { return codec.EnvelopeVectors(nil, x), nil }
	return StreamRows(ctx, files, workers, vectors, progress, sink)
}

// StreamRows is StreamVectors for any per-file computation: rows turns a
// file's 16 kHz samples into the floats handed to sink, in file order.
func StreamRows(ctx context.Context, files []string, workers int, rows func(x []float32) ([]float32, error), progress func(done, total int), sink func([]float32) error) (float64, error) {
	type result struct {
		i    int
		vecs []float32
		secs float64
		err  error
	}
	next := make(chan int)
	results := make(chan result, workers)
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				x, err := Load(files[i])
				if err != nil {
					results <- result{i: i, err: err}
					continue
				}
				v, err := rows(x)
				if err != nil {
					results <- result{i: i, err: fmt.Errorf("%s: %w", files[i], err)}
					continue
				}
				results <- result{i: i, vecs: v, secs: float64(len(x)) / codec.SampleRate}
			}
		}()
	}
	stop := make(chan struct{}) // closed on the first error: analyse no more files
	go func() {
		defer close(next)
		for i := range files {
			select {
			case next <- i:
			case <-ctx.Done():
				return
			case <-stop:
				return
			}
		}
	}()
	go func() {
		wg.Wait()
		close(results)
	}()

	var total float64
	var firstErr error
	pending := make(map[int]result) // finished out of order
	want, done := 0, 0
loop:
	for {
		var r result
		select {
		case <-ctx.Done():
			// Do not wait for the files being analysed: drain their
			// results in the background so the workers can finish.
			go func() {
				for range results {
				}
			}()
			return 0, fmt.Errorf("interrupted: %w", ctx.Err())
		case res, ok := <-results:
			if !ok {
				break loop
			}
			r = res
		}
		done++
		if r.err != nil {
			if firstErr == nil {
				firstErr = r.err
				close(stop)
			}
			continue
		}
		if progress != nil {
			progress(done, len(files))
		}
		pending[r.i] = r
		for {
			p, ok := pending[want]
			if !ok {
				break
			}
			delete(pending, want)
			if firstErr == nil {
				if err := sink(p.vecs); err != nil {
					firstErr = err
					close(stop)
				}
			}
			total += p.secs
			want++
		}
	}
	if firstErr != nil {
		return 0, firstErr
	}
	if err := ctx.Err(); err != nil {
		return 0, fmt.Errorf("interrupted: %w", err)
	}
	return total, nil
}
