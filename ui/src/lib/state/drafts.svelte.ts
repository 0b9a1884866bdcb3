/**
 * Form drafts that outlive a screen (the intake form keeps what was typed while the user looks
 * at another case). They hold case data, so lock clears them.
 */
import { emptyDraft, type CaseDraft } from '../caseForm';

export class Drafts {
  intake = $state<CaseDraft>(emptyDraft());
  intakeNote = $state('');

  clear(): void {
    this.intake = emptyDraft();
    this.intakeNote = '';
  }

  get intakeTouched(): boolean {
    return JSON.stringify(this.intake) !== JSON.stringify(emptyDraft()) || this.intakeNote !== '';
  }
}
