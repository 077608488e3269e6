/** The uniform answer of every mutating core call: the task that carries (or recorded) the change and the object it changed. */
export interface TaskReceipt {
  taskId: string;
  objectId: string;
}
