'use client';
/**
 * Modal dialogs on the native <dialog> element: showModal() makes the rest of the page
 * inert, keeps Tab inside, closes on Escape and is announced as a dialog; focus goes to
 * the element marked `data-autofocus` (else the first control) and back to whatever had it
 * before when the dialog closes. Content renders only while open, so each opening starts fresh.
 */
import { useEffect, useId, useRef, type FormEvent, type ReactNode } from 'react';

export function Dialog(props: {
  open: boolean;
  title: string;
  onClose: () => void;
  children: ReactNode;
  /** The id of the element that says what the dialog is about. */
  describedBy?: string;
  testId?: string;
}) {
  const { open, onClose } = props;
  const ref = useRef<HTMLDialogElement>(null);
  const opener = useRef<Element | null>(null);
  const titleId = useId();

  useEffect(() => {
    const dialog = ref.current;
    if (!dialog) return;
    if (open && !dialog.open) {
      opener.current = document.activeElement;
      dialog.showModal();
      dialog.querySelector<HTMLElement>('[data-autofocus]')?.focus();
    } else if (!open && dialog.open) {
      dialog.close();
    }
  }, [open]);

  useEffect(() => {
    const dialog = ref.current;
    if (!dialog) return;
    // Escape (or dialog.close()) ends here: the owner learns it is closed, focus goes back.
    const closed = () => {
      onClose();
      if (opener.current instanceof HTMLElement && opener.current.isConnected) opener.current.focus();
    };
    dialog.addEventListener('close', closed);
    return () => dialog.removeEventListener('close', closed);
  }, [onClose]);

  return (
    <dialog
      ref={ref}
      className="dialog"
      aria-labelledby={titleId}
      aria-describedby={props.describedBy}
      data-testid={props.testId}
    >
      {open && (
        <>
          <h2 id={titleId}>{props.title}</h2>
          {props.children}
        </>
      )}
    </dialog>
  );
}

/**
 * "Are you sure?" that says what will happen: the body explains, the confirm button names
 * the action, and the safe choice (Back) has the focus, so Enter alone never destroys.
 */
export function ConfirmDialog(props: {
  open: boolean;
  title: string;
  confirmLabel: string;
  /** Gets the dialog's form, to read the controls it holds. */
  onConfirm: (form: HTMLFormElement) => void;
  onClose: () => void;
  pending?: boolean;
  error?: string | null;
  danger?: boolean;
  /** Controls (a reason, a target) above the buttons; they are part of the confirming form. */
  children: ReactNode;
  confirmDisabled?: boolean;
  testId?: string;
}) {
  const describedBy = useId();
  const submit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    if (!props.pending && !props.confirmDisabled) props.onConfirm(event.currentTarget);
  };
  return (
    <Dialog
      open={props.open}
      title={props.title}
      onClose={props.onClose}
      describedBy={describedBy}
      testId={props.testId}
    >
      <form onSubmit={submit} noValidate>
        <div id={describedBy} className="dialog-body">
          {props.children}
        </div>
        {props.error && (
          <p className="field-error" role="alert">
            {props.error}
          </p>
        )}
        <div className="dialog-buttons">
          <button type="button" className="secondary" onClick={props.onClose} data-autofocus>
            Back
          </button>
          <button
            type="submit"
            className={props.danger ? 'danger' : undefined}
            disabled={props.pending || props.confirmDisabled}
          >
            {props.pending ? 'Working…' : props.confirmLabel}
          </button>
        </div>
      </form>
    </Dialog>
  );
}
