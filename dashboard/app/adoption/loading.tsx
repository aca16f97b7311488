import { Skeleton } from '@/components/Skeleton';

export default function Loading() {
  return <Skeleton variant="charts" />;
}
