package codec

// Conceal appends PacketSamples samples standing in for a lost packet: the
// last frame continues with its energy decaying, then fades to silence.
func (d *Decoder) Conceal(dst []float32) []float32 {
	d.lost++
	decay := float32(0.35) // nats per packet: about 3 dB
	if d.lost > 3 {
		decay = 1.2
	}
	d.mid = d.end
	d.mid.MCep[0] -= decay / 2
	d.end.MCep[0] -= decay
	if d.end.MCep[0] < float32(energyMin) {
		d.end.MCep[0] = float32(energyMin)
	}
	d.pred.energy = float64(d.end.MCep[0])
	d.pred.mcep = d.end.MCep
	return d.render(dst)
}
