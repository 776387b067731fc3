/** Reading a form's text controls by name (FormData values may be files; ours never are). */
export function formText(form: HTMLFormElement, name: string): string {
  const value = new FormData(form).get(name);
  return typeof value === 'string' ? value : '';
}
