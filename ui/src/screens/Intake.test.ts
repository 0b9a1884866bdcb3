import { fireEvent, screen, waitFor } from '@testing-library/svelte';
import { describe, expect, it } from 'vitest';
import { openApp, renderWith } from '../test/helpers';
import Intake from './Intake.svelte';

async function intake() {
  const made = await openApp();
  renderWith(Intake, made.app);
  return made;
}

describe('intake form', () => {
  it('marks the name as required and says so beside it when empty', async () => {
    const { fake } = await intake();
    expect(screen.getByTestId('intake-full_name')).toHaveAttribute('aria-required', 'true');
    await fireEvent.click(screen.getByTestId('intake-save'));
    expect(screen.getByTestId('field-error-full_name')).toHaveTextContent('Enter the name');
    expect(fake.callsOf('case_create')).toHaveLength(0);
  });

  it('shows the shell’s bad_input beside the field it names', async () => {
    const { fake } = await intake();
    await fireEvent.input(screen.getByTestId('intake-full_name'), { target: { value: 'Иван Щукин' } });
    await fireEvent.input(screen.getByTestId('intake-birth_date'), { target: { value: '2026-02-30' } });
    fake.failNext('case_create', 'bad_input', 'birth_date', 'birth_date: not a date');
    await fireEvent.click(screen.getByTestId('intake-save'));
    const message = await screen.findByTestId('field-error-birth_date');
    expect(message).toHaveTextContent('Enter a real date');
    expect(message.closest('.field')).toContainElement(screen.getByTestId('intake-birth_date'));
    expect(screen.queryByTestId('field-error-full_name')).toBeNull();
  });

  it('defaults the stage to first contact, leaves the category unset, lists AM/GE/KZ first', async () => {
    await intake();
    expect(screen.getByTestId('intake-stage')).toHaveValue('first_contact');
    expect(screen.getByTestId('intake-category')).toHaveValue('');
    const countries = [...(screen.getByTestId('intake-country') as HTMLSelectElement).options].map((o) => o.value);
    expect(countries.slice(0, 4)).toEqual(['', 'AM', 'GE', 'KZ']);
  });

  it('saves the case with its first note and opens it', async () => {
    const { fake, app } = await intake();
    await fireEvent.input(screen.getByTestId('intake-full_name'), { target: { value: 'Юрий Жуков' } });
    await fireEvent.change(screen.getByTestId('intake-country'), { target: { value: 'KZ' } });
    await fireEvent.input(screen.getByTestId('intake-city'), { target: { value: 'Алматы' } });
    await fireEvent.input(screen.getByTestId('intake-note'), { target: { value: 'Met at the consulate' } });
    await fireEvent.click(screen.getByTestId('intake-save'));
    await waitFor(() => expect(app.route.name).toBe('case'));
    expect(fake.callsOf('case_create')).toEqual([
      {
        input: {
          full_name: 'Юрий Жуков',
          stage: 'first_contact',
          country: 'KZ',
          city: 'Алматы',
          notes: ['Met at the consulate'],
        },
      },
    ]);
    expect(app.drafts.intake.full_name).toBe('');
    await waitFor(() => expect(app.current.file?.notes[0].body).toBe('Met at the consulate'));
  });
});
