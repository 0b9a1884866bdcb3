import { fireEvent, screen, waitFor, within } from '@testing-library/svelte';
import { describe, expect, it } from 'vitest';
import { openApp, renderWith } from '../test/helpers';
import type { CaseFile } from '../lib/types';
import CaseDetail from './CaseDetail.svelte';

async function detailOf(fields: Partial<CaseFile> & { full_name: string }) {
  const made = await openApp();
  const id = made.fake.put(fields);
  made.app.openCase(id);
  const view = renderWith(CaseDetail, made.app);
  await screen.findByTestId('case-name');
  return { ...made, id, view };
}

describe('case detail', () => {
  it('adds a note and shows the newest first', async () => {
    const { fake } = await detailOf({ full_name: 'Юрий Жуков' });
    for (const text of ['First note', 'Second note']) {
      await fireEvent.input(screen.getByTestId('note-text'), { target: { value: text } });
      await fireEvent.click(screen.getByTestId('note-add'));
      await waitFor(() => expect(screen.getByTestId('note-text')).toHaveValue(''));
    }
    const notes = screen.getAllByTestId('note').map((n) => n.querySelector('.note-body')?.textContent);
    expect(notes).toEqual(['Second note', 'First note']);
    expect(fake.callsOf('note_add')).toHaveLength(2);
  });

  it('marks a task done and undone', async () => {
    const { fake } = await detailOf({ full_name: 'A', tasks: [{ id: 'task-1', title: 'Call lawyer', due: '2026-11-01', done: false }] });
    const task = screen.getByTestId('task');
    expect(task).toHaveClass('overdue');
    await fireEvent.click(within(task).getByTestId('task-done'));
    await waitFor(() => expect(screen.getByTestId('task')).toHaveClass('done'));
    expect(screen.getByTestId('task-done')).toBeChecked();
    await fireEvent.click(screen.getByTestId('task-done'));
    await waitFor(() => expect(screen.getByTestId('task')).not.toHaveClass('done'));
    expect(fake.callsOf('task_set_done')).toEqual([
      { taskId: 'task-1', done: true },
      { taskId: 'task-1', done: false },
    ]);
  });

  it('adds a task with a due date, highlighted when due soon', async () => {
    const { fake, id } = await detailOf({ full_name: 'A' });
    await fireEvent.input(screen.getByTestId('task-title'), { target: { value: 'Renew registration' } });
    await fireEvent.input(screen.getByTestId('task-due'), { target: { value: '2026-11-25' } });
    await fireEvent.click(screen.getByTestId('task-add'));
    await waitFor(() => expect(screen.getByTestId('task')).toHaveTextContent('Renew registration'));
    expect(screen.getByTestId('task')).toHaveClass('due-soon');
    expect(fake.callsOf('task_add')).toEqual([{ caseId: id, title: 'Renew registration', due: '2026-11-25' }]);
  });

  it('saves a stage change at once', async () => {
    const { fake, id } = await detailOf({ full_name: 'A', stage: 'vetting' });
    await fireEvent.change(screen.getByTestId('stage-select'), { target: { value: 'transit_stay' } });
    await waitFor(() => expect(fake.callsOf('case_update')).toEqual([{ id, input: { stage: 'transit_stay' } }]));
    await waitFor(() => expect(screen.getByTestId('stage-select')).toHaveValue('transit_stay'));
  });

  it('edits a section in place and shows a validation message beside the field', async () => {
    const { fake, id } = await detailOf({ full_name: 'Юрий Жуков', city: 'Алматы' });
    await fireEvent.click(screen.getByTestId('edit-case'));
    await fireEvent.input(screen.getByTestId('edit-city'), { target: { value: 'Астана' } });
    fake.failNext('case_update', 'bad_input', 'city', 'city: at most 100 characters');
    await fireEvent.click(screen.getByTestId('save-case'));
    const message = await screen.findByTestId('field-error-city');
    expect(message).toHaveTextContent('Use at most 100 characters.');
    expect(screen.getByTestId('edit-city')).toHaveAttribute('aria-invalid', 'true');
    await fireEvent.click(screen.getByTestId('save-case'));
    await waitFor(() => expect(screen.queryByTestId('edit-city')).toBeNull());
    expect(fake.callsOf('case_update').at(-1)).toEqual({ id, input: { city: 'Астана' } });
    expect(screen.getByTestId('section-case')).toHaveTextContent('Астана');
  });

  it('cancels an edit without saving', async () => {
    const { fake } = await detailOf({ full_name: 'A', city: 'Ереван' });
    await fireEvent.click(screen.getByTestId('edit-case'));
    await fireEvent.input(screen.getByTestId('edit-city'), { target: { value: 'Гюмри' } });
    await fireEvent.click(screen.getByTestId('cancel-case'));
    expect(screen.getByTestId('section-case')).toHaveTextContent('Ереван');
    expect(fake.callsOf('case_update')).toHaveLength(0);
  });

  it('deletes the case only after confirmation', async () => {
    const { fake, app, id } = await detailOf({ full_name: 'A' });
    await fireEvent.click(screen.getByTestId('delete-case'));
    await fireEvent.click(screen.getByTestId('confirm-cancel'));
    expect(fake.callsOf('case_delete')).toHaveLength(0);
    await fireEvent.click(screen.getByTestId('delete-case'));
    await fireEvent.click(screen.getByTestId('confirm-ok'));
    await waitFor(() => expect(app.route).toEqual({ name: 'cases' }));
    expect(fake.callsOf('case_delete')).toEqual([{ id }]);
  });

  it('renders hostile names and notes as text, never as HTML', async () => {
    const name = '<img src=x onerror=alert(1)>';
    const note = '<script>alert(2)</script>';
    const { view } = await detailOf({
      full_name: name,
      full_name_latin: '<b>bold</b>',
      notes: [{ id: 'n1', body: note, created_at: '2026-11-20T10:00:00Z', author_device: '<i>dev</i>' }],
      tasks: [{ id: 't1', title: '<svg onload=alert(3)>', due: null, done: false }],
    });
    expect(screen.getByTestId('case-name').textContent).toBe(name);
    expect(screen.getByTestId('note').querySelector('.note-body')?.textContent).toBe(note);
    expect(screen.getByTestId('task')).toHaveTextContent('<svg onload=alert(3)>');
    for (const tag of ['img', 'script', 'svg', 'b', 'i']) expect(view.container.querySelector(tag)).toBeNull();
  });
});
