/**
 * What AirPrompts 1.x left in localStorage: its keys under their various 1.x names, snake_case
 * fields, workflow steps as bare template ids. Used by the tests and the browser test's page.
 */
export const LEGACY_SAMPLE: Readonly<Record<string, unknown>> = {
  'airprompts-templates': [
    {
      id: 't1',
      name: 'Code review',
      description: 'Review a diff for bugs',
      content: 'Review this code:\n{code}',
      category: 'coding',
      variables: ['code'],
      is_favorite: true,
      created_at: '2024-01-02T10:00:00.000Z',
      updated_at: '2024-02-03T11:00:00.000Z',
      last_used: '2024-03-01T09:30:00.000Z',
    },
    {
      id: 't2',
      name: 'Summarise',
      content: 'Summarise in 3 bullets: {text}',
      category: 'writing',
      folder_id: 'f1',
      tags: ['daily'],
      created_at: '2024-01-05T08:00:00.000Z',
      updated_at: '2024-01-05T08:00:00.000Z',
    },
  ],
  // An older build's name for the key.
  airprompts_workflows: [
    {
      id: 'w1',
      name: 'Review, then summarise',
      category: 'coding',
      steps: ['t1', 't2'],
      is_favorite: false,
      created_at: '2024-01-06T12:00:00.000Z',
      updated_at: '2024-01-07T12:00:00.000Z',
    },
  ],
  ap_snippets: [
    {
      id: 's1',
      name: 'Signature',
      content: '-- sent with AirPrompts',
      category: 'general',
      folder_id: 'f1',
      created_at: '2024-01-08T07:00:00.000Z',
      updated_at: '2024-01-08T07:00:00.000Z',
      last_used: null,
    },
  ],
  folders: [{ id: 'f1', name: 'Writing', parent_id: null, created_at: '2024-01-04T00:00:00.000Z', updated_at: '2024-01-04T00:00:00.000Z', item_count: 7 }],
  'ui-prefs': { view_mode: 'list', sidebar_collapsed: true, items_per_page: 50, sort_by: 'last_used', sort_order: 'desc' },
  user_settings: { display_name: 'Mila', auto_save: false, show_tips: false },
};

/** The sample as localStorage holds it: key -> JSON text. */
export function legacySampleItems(): [string, string][] {
  return Object.entries(LEGACY_SAMPLE).map(([key, value]) => [key, JSON.stringify(value)]);
}
