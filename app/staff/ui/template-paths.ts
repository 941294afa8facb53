/** The template editor's address for one (stage or kind, variant, language). */
export function templateEditorPath(slot: { stage: string; variant: string; locale: string }): string {
  return `/staff/templates/edit?${new URLSearchParams({ stage: slot.stage, variant: slot.variant, locale: slot.locale })}`;
}
