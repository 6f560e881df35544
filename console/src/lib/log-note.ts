import { CLOSING_CAUSES, CLOSING_MEASURES, type ClosingCause, type ClosingMeasure, type LogEntryView } from '@knutepunkt/hub/contract';

const isCause = (value: string): value is ClosingCause => (CLOSING_CAUSES as readonly string[]).includes(value);
const isMeasure = (value: string): value is ClosingMeasure => (CLOSING_MEASURES as readonly string[]).includes(value);

export interface NoteLabels {
  cause(cause: ClosingCause): string;
  measure(measure: ClosingMeasure): string;
}

/**
 * The text to show for a log entry's note. The hub records the closing cause and measures as
 * their codes (that is what the journal needs); the operator reads them as labels. Anything
 * else, and any code we do not know, is shown as written.
 */
export function logNoteText(entry: Pick<LogEntryView, 'step' | 'note'>, labels: NoteLabels): string {
  const note = entry.note ?? '';
  const trimmed = note.trim();
  if (entry.step === 'cause' && isCause(trimmed)) return labels.cause(trimmed);
  if (entry.step === 'measures' && trimmed !== '') {
    return note
      .split(',')
      .map((part) => part.trim())
      .map((part) => (isMeasure(part) ? labels.measure(part) : part))
      .join(', ');
  }
  return note;
}
