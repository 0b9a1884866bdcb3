/**
 * The partner contact book as the Import screen shows it (docs/formats/bundle.md §8): the list,
 * the form that adds a partner or keys to one (keys given here are confirmed on this device),
 * and removing one after a confirmation. Made when the screen opens; nothing outlives it.
 */
import type { Backend } from '../ipc';
import { toIpcError, type IpcError, type Partner, type PartnerKey } from '../types';

export class PartnerBook {
  partners = $state.raw<Partner[]>([]);
  loaded = $state(false);
  loadError = $state.raw<IpcError | null>(null);

  name = $state('');
  recipient = $state('');
  signingKey = $state('');
  note = $state('');
  adding = $state(false);
  addError = $state.raw<IpcError | null>(null);

  /** A key another device added, whose words the person is comparing before confirming it. */
  confirming = $state.raw<{ name: string; key: PartnerKey } | null>(null);
  confirmBusy = $state(false);

  /** The partner a removal waits to be confirmed for. */
  removing = $state<string | null>(null);
  removeBusy = $state(false);

  private readonly backend: Backend;
  private readonly onError: (e: IpcError) => void;

  constructor(backend: Backend, onError: (e: IpcError) => void = () => {}) {
    this.backend = backend;
    this.onError = onError;
  }

  async load(): Promise<void> {
    this.loadError = null;
    try {
      this.partners = await this.backend.partnerList();
      this.loaded = true;
    } catch (e) {
      this.loadError = this.fail(e);
    }
  }

  async add(): Promise<boolean> {
    if (this.adding) return false;
    this.adding = true;
    this.addError = null;
    try {
      const recipient = this.recipient.trim();
      const signing = this.signingKey.trim();
      const note = this.note.trim();
      await this.backend.partnerAdd({
        name: this.name.trim(),
        recipients: recipient ? [recipient] : [],
        signing_keys: signing ? [signing] : [],
        ...(note ? { note } : {}),
      });
      this.name = '';
      this.recipient = '';
      this.signingKey = '';
      this.note = '';
      await this.load();
      return true;
    } catch (e) {
      this.addError = this.fail(e);
      return false;
    } finally {
      this.adding = false;
    }
  }

  /** Keys added on another device that this one does not use until a person confirms them. */
  get unconfirmed(): number {
    return this.partners.reduce((n, p) => n + p.keys.filter((k) => !k.confirmed).length, 0);
  }

  /** Confirms the key being compared: the person read its words with the partner by phone. */
  async confirmKey(): Promise<void> {
    const c = this.confirming;
    if (!c || this.confirmBusy) return;
    this.confirmBusy = true;
    try {
      await this.backend.partnerConfirm(c.name, c.key.fingerprint);
      this.confirming = null;
      await this.load();
    } catch (e) {
      this.loadError = this.fail(e);
      this.confirming = null;
    } finally {
      this.confirmBusy = false;
    }
  }

  async confirmRemove(): Promise<void> {
    const name = this.removing;
    if (!name || this.removeBusy) return;
    this.removeBusy = true;
    try {
      await this.backend.partnerRemove(name);
      this.removing = null;
      await this.load();
    } catch (e) {
      this.loadError = this.fail(e);
      this.removing = null;
    } finally {
      this.removeBusy = false;
    }
  }

  private fail(e: unknown): IpcError {
    const err = toIpcError(e);
    this.onError(err);
    return err;
  }
}
