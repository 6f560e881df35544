import { describe, expect, it } from 'vitest';
import { translate } from './i18n/index';
import { nb } from './i18n/nb';
import { logNoteText, type NoteLabels } from './log-note';

const labels: NoteLabels = {
  cause: (cause) => translate(nb, `cause.${cause}`),
  measure: (measure) => translate(nb, `measure.${measure}`),
};

describe('log notes', () => {
  it('shows the closing cause and measures as labels', () => {
    expect(logNoteText({ step: 'cause', note: 'fall' }, labels)).toBe('Fall');
    expect(logNoteText({ step: 'measures', note: 'responder-visit, next-of-kin-contacted' }, labels)).toBe(
      'Utrykning til bruker, Pårørende kontaktet',
    );
  });

  it('leaves free text and unknown codes as written', () => {
    expect(logNoteText({ step: 'conversation', note: 'fall, men ikke skadet' }, labels)).toBe('fall, men ikke skadet');
    expect(logNoteText({ step: 'measures', note: 'responder-visit, teleport' }, labels)).toBe('Utrykning til bruker, teleport');
    expect(logNoteText({ step: 'reported', note: null }, labels)).toBe('');
  });
});
