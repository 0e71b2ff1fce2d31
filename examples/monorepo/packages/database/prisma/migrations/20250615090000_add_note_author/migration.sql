-- AlterTable
ALTER TABLE "notes" ADD COLUMN "author" VARCHAR(100);

-- CreateIndex
CREATE INDEX "notes_created_at_idx" ON "notes"("created_at");
