import type { ClosingMeasure, CloseIncidentRequest } from '../realtime/contract.js';
import { ActionNoteBody, ClosingMeasuresField } from '../alarms/alarm-requests.js';

/** The cause is technical by what an incident is; the operator says what was done. */
export class CloseIncidentBody extends ActionNoteBody implements CloseIncidentRequest {
  @ClosingMeasuresField()
  measures!: ClosingMeasure[];
}
