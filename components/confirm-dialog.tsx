"use client";
// The one "are you sure?" of the app, instead of the browser's confirm(): a native modal <dialog> (the
// page behind is inert, so focus stays inside; Escape cancels; focus returns to the button that opened
// it), titled by its heading, with "Cancel" focused first and a confirm button that names the action.
import { useEffect, useId, useRef, useState } from "react";

type DialogProps = {
  open: boolean;
  onOpenChange: (open: boolean) => void;
  /** A question: "Remove Ben Okafor?" */
  title: string;
  /** What happens, in a sentence or two; any extra choices (a checkbox) go here too. */
  children?: React.ReactNode;
  /** The action's verb: "Remove", "Cancel sync", "Disconnect". */
  confirmLabel: string;
  /** Something is deleted or stopped: the confirm button is red. */
  destructive?: boolean;
  onConfirm: () => void;
};

export function ConfirmDialog({ open, onOpenChange, title, children, confirmLabel, destructive = true, onConfirm }: DialogProps) {
  const ref = useRef<HTMLDialogElement>(null);
  const cancel = useRef<HTMLButtonElement>(null);
  const titleId = useId();
  const bodyId = useId();
  useEffect(() => {
    const dialog = ref.current;
    if (!dialog) return;
    if (open && !dialog.open) {
      dialog.showModal();
      cancel.current?.focus();
    }
    if (!open && dialog.open) dialog.close();
  }, [open]);
  const button = "rounded-md px-3 py-1.5 text-sm font-medium focus-visible:outline-2 focus-visible:outline-offset-2";
  return (
    <dialog
      ref={ref}
      aria-labelledby={titleId}
      aria-describedby={children ? bodyId : undefined}
      // Escape and close() both end here: the parent's state follows the dialog's.
      onClose={() => onOpenChange(false)}
      // A click on the backdrop (the dialog element itself, outside its panel) cancels too.
      onClick={(e) => {
        if (e.target === e.currentTarget) onOpenChange(false);
      }}
      className="m-auto w-[calc(100%-2rem)] max-w-md rounded-lg p-0 text-left text-slate-900 shadow-xl backdrop:bg-slate-900/50"
    >
      {open && (
        <div className="space-y-3 p-5 text-sm">
          <h2 id={titleId} className="text-base font-semibold [overflow-wrap:anywhere]">
            {title}
          </h2>
          {children && (
            <div id={bodyId} className="space-y-2 text-slate-700">
              {children}
            </div>
          )}
          <div className="flex flex-wrap justify-end gap-2 pt-2">
            {/* Focused first: Enter on an opened dialog never confirms by accident. */}
            <button ref={cancel} type="button" className={`${button} border border-slate-300 bg-white text-slate-800 hover:bg-slate-100 focus-visible:outline-slate-500`} onClick={() => onOpenChange(false)}>
              Cancel
            </button>
            <button
              type="button"
              className={`${button} text-white ${destructive ? "bg-rose-700 hover:bg-rose-800 focus-visible:outline-rose-700" : "bg-indigo-700 hover:bg-indigo-800 focus-visible:outline-indigo-700"}`}
              onClick={() => {
                onOpenChange(false);
                onConfirm();
              }}
            >
              {confirmLabel}
            </button>
          </div>
        </div>
      )}
    </dialog>
  );
}

type ButtonProps = Omit<DialogProps, "open" | "onOpenChange"> & {
  /** The button that opens the dialog. */
  label: React.ReactNode;
  className?: string;
  disabled?: boolean;
};

/** A button that asks first: the common case of ConfirmDialog. */
export function ConfirmButton({ label, className, disabled, ...dialog }: ButtonProps) {
  const [open, setOpen] = useState(false);
  return (
    <>
      <button type="button" aria-haspopup="dialog" className={className} disabled={disabled} onClick={() => setOpen(true)}>
        {label}
      </button>
      <ConfirmDialog open={open} onOpenChange={setOpen} {...dialog} />
    </>
  );
}
