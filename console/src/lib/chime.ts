let context: AudioContext | undefined;

/**
 * A short, soft two-note chime for a new alarm. Audio may be unavailable or blocked until the
 * operator has interacted with the page; the highlight in the queue is the signal that counts.
 */
export function chime(): void {
  try {
    context ??= new AudioContext();
    const audio = context;
    const start = audio.currentTime;
    [660, 880].forEach((frequency, index) => {
      const at = start + index * 0.18;
      const oscillator = audio.createOscillator();
      const gain = audio.createGain();
      oscillator.type = 'sine';
      oscillator.frequency.value = frequency;
      gain.gain.setValueAtTime(0.0001, at);
      gain.gain.exponentialRampToValueAtTime(0.06, at + 0.02);
      gain.gain.exponentialRampToValueAtTime(0.0001, at + 0.35);
      oscillator.connect(gain).connect(audio.destination);
      oscillator.start(at);
      oscillator.stop(at + 0.4);
    });
  } catch {
    // No audio on this desk: nothing to do.
  }
}
