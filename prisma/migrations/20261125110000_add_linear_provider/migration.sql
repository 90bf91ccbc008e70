-- AlterEnum
ALTER TYPE "Provider" ADD VALUE 'LINEAR';
